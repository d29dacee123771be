"""Which code produced a run's outputs, for the run manifests (``run.json``).

``code_version()`` is compared when a run is resumed: the package version and a sha256 of every
source file of the installed packages (prompts, program structure, cleaning, retrieval, the demo
data). It is a hash of the sources rather than the git commit on purpose: a commit that only
touches docs or tests cannot change an output, so a half-finished run resumes across it, while an
uncommitted edit of a prompt can, and the commit would not show it. Any change to the package's
code refuses to resume (over-cautious for e.g. a CLI help text, but never mixing outputs); the
way out is a new ``--out`` directory, or finishing the run with the code it started with.

``git_commit()`` is only recorded, to say where that code can be got back (HEAD of the checkout
the package runs from; ``None`` when installed from a wheel).

Both are computed once per process: the code that runs is the code imported at start, and a run
must not be refused halfway because a file was saved in the checkout meanwhile.
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

import mopa

# The packages of pyproject.toml's [tool.setuptools] packages, plus the bundled demo data.
_SOURCES = (("mopa", "*.py"), ("mopa", "demo/*.jsonl"), ("mopa.commands", "*.py"),
            ("mopa.lm", "*.py"),
            ("mopa.scoring", "*.py"), ("mopa.scoring.cleaning", "*.py"),
            ("mopa.scoring.official", "*.py"), ("mopa.scoring.reader", "*.py"),
            ("mopa.scoring.reader", "weights.json"), ("mopa.runs", "*.py"),
            ("mopa.programs", "*.py"), ("mopa.programs.aggregators", "*.py"),
            ("mopa.signatures", "*.py"),
            ("mopa.optimizers", "*.py"), ("mopa.experiments", "*.py"))


@cache
def code_version() -> dict:
    try:
        version = metadata.version("mopa")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        version = "unknown"
    return {"package": version, "sources": _sources_hash()}


def _sources_hash() -> str:
    digest = hashlib.sha256()
    for package, pattern in _SOURCES:
        # find_spec, not import: the editable install maps mopa.programs etc. to other folders.
        root = Path(importlib.util.find_spec(package).submodule_search_locations[0])
        for path in sorted(root.glob(pattern)):
            digest.update(f"{package}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def git_commit() -> str | None:
    checkout = Path(mopa.__file__).resolve().parent.parent
    try:
        top, head = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True, text=True, check=True, timeout=30).stdout.split()
    except (OSError, subprocess.SubprocessError, ValueError):  # no git, or not a checkout
        return None
    # An installed package can sit inside some other repository (a venv in a project): only
    # a checkout of this project itself, with mopa/ at its top, names the code.
    return head if Path(top).resolve() == checkout else None
