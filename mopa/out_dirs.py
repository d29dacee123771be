"""Default output locations, derived from the command and the settings it records.

A fixed default (``runs/latest``) made the next run with other settings collide with the last
one: the run directory refuses to mix outputs ("holds a run with different settings"). A
directory named by the command, the program and a short hash of every recorded setting never
collides: rerunning the same command finds its own directory and resumes, and any change of a
setting that changes an output (the ones ``mopa.settings.recorded`` keeps) gets a new one, e.g.
``runs/run/rag-mopa-2x2-1f3c9a0b``. Settings that change no output (workers, the progress bar)
are not recorded, so they do not move the directory.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from mopa.programs.presets import get_preset
from mopa.settings import recorded

ROOT = Path("runs")


def settings_hash(*settings, extra: object = None) -> str:
    """8 hex digits of the recorded values of ``settings`` (dataclasses) and ``extra``."""
    values = [recorded(s) for s in settings] + [extra]
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _slug(text: str, most: int = 40) -> str:
    """``text`` as a short, safe directory-name part."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:most] or "program"


def program_label(program) -> str:
    """What a directory name says about the program: the preset (with agents x layers for
    MoPA presets), or the stem of a compiled program file or model URI."""
    if isinstance(program, str | Path):
        path = Path(str(program))
        if path.suffix != ".json":  # a model URI: models:/NAME/VERSION, runs:/ID/program
            return _slug(str(program).split(":", 1)[-1])
        # compile's default file is <dir named after the program>/program.json
        return _slug(path.parent.name if path.stem == "program" and path.parent.name
                     else path.stem)
    label = program.preset
    if get_preset(program.preset).layered:
        label += f"-{program.agents}x{program.layers}"
    return label


def _source(program) -> object:
    """The program as the hash sees it: a choice's values, or a file's path and content (an
    edited program file is another program), or a model URI as given."""
    if not isinstance(program, str | Path):
        return recorded(program)
    path = Path(str(program))
    if path.is_file():
        return [str(program), hashlib.sha256(path.read_bytes()).hexdigest()]
    return str(program)


def run_dir(data, settings, program) -> Path:
    """``mopa run``'s default ``--out``: runs/run/<program>-<hash of data, run settings and
    program>."""
    key = settings_hash(data, settings, extra=_source(program))
    return ROOT / "run" / f"{program_label(program)}-{key}"


def compile_file(data, split, settings, program, optimizer) -> Path:
    """``mopa compile``'s default ``--program-file``: runs/compile/<program>-<optimizer>-<hash>
    /program.json (its evaluation runs go next to it, in program-eval/)."""
    key = settings_hash(data, split, settings, program, optimizer)
    return (ROOT / "compile" / f"{program_label(program)}-{optimizer.optimizer}-{key}"
            / "program.json")
