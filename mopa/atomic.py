"""Whole-file writes that a crash cannot tear.

A file written in place and cut off by a crash or a full disk is left half-written, and the next
command that reads it fails on it (a torn ``run.json`` made its run directory impossible to
resume). Writing a temporary file in the same directory and renaming it over the target with
``os.replace`` (atomic on POSIX within one file system) leaves either the old file or the new
one, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path


def write_text_atomic(path: str | Path, text: str) -> Path:
    path = Path(path)
    # Per process and thread, so two writers never share a temporary file; opened with open()
    # rather than mkstemp so the file gets the usual permissions (mkstemp's are owner-only).
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path
