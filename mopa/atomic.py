"""Whole-file writes that a crash cannot tear.

A file written in place and cut off by a crash or a full disk is left half-written, and the next
command that reads it fails on it (a torn ``run.json`` made its run directory impossible to
resume). Writing a temporary file in the same directory and renaming it over the target with
``os.replace`` (atomic on POSIX within one file system) leaves either the old file or the new
one, never a mix. An append (a run's next predictions line) that fails part-way, as on a full
disk, is cut back to where it started, so the file keeps whole lines only. Either error names
the file: a bare ``[Errno 28] No space left on device`` does not say which.
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
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(e, OSError):
            raise naming(e, path) from None
        raise
    return path


def append_whole(path: str | Path, text: str) -> None:
    """Append ``text`` durably, or leave the file as it was (truncated back) and raise."""
    path = Path(path)
    with path.open("ab") as f:
        start = f.tell()
        try:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        except OSError as e:
            with contextlib.suppress(OSError):
                f.truncate(start)
            raise naming(e, path) from None


def naming(e: OSError, path: Path) -> OSError:
    """``e`` carrying the path it concerns (errors from a write on an open file carry none)."""
    if e.filename is not None:
        return e
    return type(e)(e.errno, e.strerror or str(e), str(path))
