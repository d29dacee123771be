"""Which exceptions are a user's mistake (a bad flag, path or file), and their one-line text.

``mopa.cli.main`` prints these as ``mopa: error: ...`` and exits 2; anything else is a bug in
MoPA and keeps its traceback. The error must name what was received (the file, and the line
where known), because a bare ``Expecting value: line 1 column 1`` or ``Is a directory`` leaves
the user guessing which of a command's several paths is wrong. This module imports only the
standard library: MLflow's exception is recognised by its module, so ``mopa --help`` does not
pay for importing MLflow.
"""

from __future__ import annotations

import json


def user_error(e: BaseException) -> str | None:
    """The one-line message for a user's mistake, or None for an unexpected error (a bug)."""
    if isinstance(e, OSError):
        return one_line(_os_error(e))
    if isinstance(e, json.JSONDecodeError):
        # Files MoPA reads name themselves (see mopa.jsonl); this is a file read elsewhere.
        return one_line(f"invalid JSON in an input file (line {e.lineno}, column {e.colno}): "
                        f"{e.msg}")
    if isinstance(e, UnicodeDecodeError):
        return one_line(f"an input file is not UTF-8 text ({e.reason} at byte {e.start}); "
                        "re-save it as UTF-8")
    if isinstance(e, (ValueError, RuntimeError)) or _is_mlflow_error(e):
        return one_line(str(e) or type(e).__name__)
    return None


def _os_error(e: OSError) -> str:
    """``PATH: what went wrong`` and how to fix it; an OSError carries the path it was about."""
    if e.filename is None:
        return str(e)
    path = f"{e.filename} -> {e.filename2}" if e.filename2 is not None else str(e.filename)
    hint = {IsADirectoryError: "it is a directory; pass a file",
            NotADirectoryError: "a part of this path is a file, not a directory",
            PermissionError: "permission denied; pick a path you can read and write",
            FileExistsError: "it exists and is a file; pass a directory or a new path",
            FileNotFoundError: "no such file or directory"}.get(type(e))
    return f"{path}: {hint or e.strerror or e}"


def _is_mlflow_error(e: BaseException) -> bool:
    # MlflowException (tracking URI unreachable, experiment deleted, ...) is a setup problem
    # the user fixes with a flag or a server, not a MoPA bug.
    return any(c.__module__.startswith("mlflow") for c in type(e).__mro__)


def one_line(message: str) -> str:
    """A message folded onto one line, so the error is exactly one line of stderr."""
    return " ".join(part.strip() for part in message.splitlines() if part.strip())
