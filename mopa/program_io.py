"""Save and load compiled programs as JSON: the program description plus DSPy's state.

LMs are never saved (a pinned LM can hold an API base or key, and in-process models cannot be
serialized); they are re-attached from the run's flags after loading.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dspy

from mopa.programs.presets import ProgramConfig, build_program

FORMAT = "mopa-program/1"


def program_state(program: dspy.Module) -> dict:
    pinned = {name: p.lm for name, p in program.named_predictors()}
    try:
        for _, p in program.named_predictors():
            p.lm = None
        return program.dump_state()
    finally:
        for name, p in program.named_predictors():
            p.lm = pinned[name]


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
    payload = {"format": FORMAT, "config": config.as_dict(), "state": program_state(program),
               **(extra or {})}
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return path


def load_program(path: str | Path) -> tuple[ProgramConfig, dspy.Module]:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"program file {path} does not exist")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not a MoPA program file (expected format {FORMAT!r}); "
                         "create one with `mopa compile --out program.json`")
    config = ProgramConfig.from_dict(payload["config"])
    program = build_program(config)
    program.load_state(payload["state"])
    return config, program
