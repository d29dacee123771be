"""Whether a command can write where it was told to, asked before it starts anything.

A command that learns only at its first write that ``--out`` is read-only has by then created
a study, started a trial and an MLflow run, which it leaves failed behind a chain of
tracebacks. The answer is asked of the file system itself (a probe file is created and removed
in the deepest directory that exists): permission bits do not tell about a read-only mount, and
do not apply to root.
"""

from __future__ import annotations

import os
from pathlib import Path


def check_writable_dir(path: str | Path, flag: str) -> None:
    """Refuse, in one line naming ``flag`` and the directory, a ``path`` that is not a directory
    this process can create files in (or create, when it does not exist yet). Writes nothing
    that stays."""
    path = Path(path)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"{flag} {path}: {existing} is a file, not a directory; pass a "
                         "directory")
    probe = existing / f".mopa-write-test-{os.getpid()}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as e:
        raise ValueError(f"{flag} {path}: cannot write in {existing} ({e.strerror}); pass a "
                         "directory you can write to") from None
    probe.unlink()
