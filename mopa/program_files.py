"""Save and load compiled programs as JSON: the program description plus DSPy's state.

LMs are never saved (a pinned LM can hold an API base or key, and in-process models cannot be
serialized), nor loaded: a loaded program is built from its config with the run's LMs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import dspy

from mopa.jsonl import read_json
from mopa.programs import ProgramConfig, build_program
from mopa.redaction import redact

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool

FORMAT = "mopa-program/1"


@contextmanager
def _unpinned(program: dspy.Module) -> Iterator[dspy.Module]:
    """The program without its pinned LMs inside the block (DSPy's dump_state would save them
    and load_state replace them), with them restored after."""
    pinned = {name: p.lm for name, p in program.named_predictors()}
    try:
        for _, p in program.named_predictors():
            p.lm = None
        yield program
    finally:
        for name, p in program.named_predictors():
            p.lm = pinned[name]


def program_state(program: dspy.Module) -> dict:
    with _unpinned(program):
        return program.dump_state()


def _with_state(program: dspy.Module, state: dict) -> dspy.Module:
    """``program`` (built with its LMs) given the prompts and demos of ``state``, LMs kept."""
    with _unpinned(program):
        program.load_state(state)
    return program


def rebuild(program: dspy.Module, config: ProgramConfig, lms: LMPool) -> dspy.Module:
    """A fresh build of ``config`` bound to ``lms``, with ``program``'s prompts and demos.

    For an optimizer's output: DSPy optimizers reset or copy the student's predictors, which can
    drop the LMs it was built with; this is also exactly what loading its saved file gives."""
    return _with_state(build_program(config, lms), program_state(program))


def program_hash(program: dspy.Module) -> str:
    """sha256 of ``program_state`` as canonical JSON: every predictor's instructions, fields and
    demos. Run manifests carry it, so outputs of one compiled program are never resumed as
    another's (e.g. after ``mopa compile`` rewrote the ``--program-file``)."""
    canonical = json.dumps(program_state(program), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def save_program(program: dspy.Module, config: ProgramConfig, path: str | Path,
                 extra: dict | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The config and extras (compile's result) hold LM specs and URLs: redacted. The state is
    # left whole: it is the prompts and demos the program runs with (and hashes to).
    payload = {"format": FORMAT, **redact({"config": config.as_dict(), **(extra or {})}),
               "state": program_state(program)}
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return path


def load_program(path: str | Path,
                 lms: LMPool | None = None) -> tuple[ProgramConfig, dspy.Module]:
    """The config and program saved in ``path``, built with ``lms`` (see ``build_program``)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"program file {path} does not exist")
    payload = read_json(path)  # a directory, bad JSON or non-UTF-8 bytes name the file (line)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not a MoPA program file (expected format {FORMAT!r}); "
                         "create one with `mopa compile --program-file program.json`")
    try:
        config = ProgramConfig.from_dict(payload["config"])
        program = build_program(config, lms)
    except KeyError as e:
        raise ValueError(f"{path}: field {e.args[0]!r} is missing; recreate the file with "
                         "`mopa compile`") from None
    except (TypeError, ValueError) as e:
        # A hand-edited or foreign config: name the file, since the message alone (an unknown
        # preset, an argument of the wrong type) does not say where it came from.
        raise ValueError(f"{path}: field 'config': {e}; fix it or recreate the file with "
                         "`mopa compile`") from None
    try:
        return config, _with_state(program, payload["state"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ValueError(f"{path}: field 'state': the saved prompts do not fit the config's "
                         f"program ({type(e).__name__}: {e}); recreate the file with "
                         "`mopa compile`") from None
