"""Which exceptions ``mopa`` reports as one line (a user's mistake) and which keep their
traceback (a bug): mopa/errors.py and ``mopa.cli.main``."""

from __future__ import annotations

import errno
import json

import pytest

from mopa import cli
from mopa.commands import data
from mopa.errors import user_error


@pytest.mark.parametrize("error, expected", [
    (IsADirectoryError(errno.EISDIR, "Is a directory", "runs/x"),
     "runs/x: it is a directory; pass a file"),
    (NotADirectoryError(errno.ENOTDIR, "Not a directory", "notes.txt/run"),
     "notes.txt/run: a part of this path is a file, not a directory"),
    (PermissionError(errno.EACCES, "Permission denied", "/data/x.jsonl"),
     "/data/x.jsonl: permission denied"),
    (FileExistsError(errno.EEXIST, "File exists", "out"), "out: it exists and is a file"),
    (OSError(errno.ENOSPC, "No space left on device", "runs/x/run.json"),
     "runs/x/run.json: No space left on device"),
    (FileNotFoundError("data file d.jsonl does not exist"), "data file d.jsonl does not exist"),
    (ValueError("--k 0: expected an integer >= 1\n(profile items)"),
     "--k 0: expected an integer >= 1 (profile items)"),
    (RuntimeError("run directory x is in use by pid 7"), "run directory x is in use by pid 7"),
])
def test_user_mistakes_are_one_line_naming_the_path(error, expected):
    message = user_error(error)
    assert message.startswith(expected) and "\n" not in message


def test_json_and_decode_errors_from_elsewhere_still_say_what_they_are():
    with pytest.raises(json.JSONDecodeError) as err:
        json.loads("{\n")
    assert user_error(err.value).startswith("invalid JSON in an input file (line 2")
    with pytest.raises(UnicodeDecodeError) as err:
        b"caf\xe9".decode("utf-8")
    assert "not UTF-8 text" in user_error(err.value)


def test_mlflow_errors_are_user_errors_without_importing_mlflow_here():
    from mlflow.exceptions import MlflowException

    assert user_error(MlflowException("experiment 'x' is deleted")) == (
        "experiment 'x' is deleted")


@pytest.mark.parametrize("bug", [KeyError("x"), TypeError("bad"), AttributeError("a")])
def test_bugs_are_not_user_errors_and_keep_their_traceback(bug, monkeypatch):
    assert user_error(bug) is None

    def broken(args):
        raise bug

    monkeypatch.setattr(data, "stats", broken)  # build_parser binds it at call time
    with pytest.raises(type(bug)):
        cli.main(["data", "stats", "--data", "demo:product_review"])
