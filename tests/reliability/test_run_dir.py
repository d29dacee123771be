"""Run-directory integrity: run.json and metrics.json are replaced whole or not at
all, and an unreadable run.json stops the run with its path and the fix instead of a bare JSON
error. (The directory lock, "in use by pid N", is tested in tests/runs/test_store.py.)"""

from __future__ import annotations

import json
import os

import pytest

from mopa import atomic
from mopa.atomic import write_text_atomic
from mopa.runs.store import RunStore

RECORD = {"id": "a", "prediction": "p", "error": None}


def test_a_write_cut_short_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "run.json"
    path.write_text('{"old": 1}\n')

    def crash(*args):  # the process dies between writing the new text and the rename
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(OSError):
        write_text_atomic(path, '{"new": 1}\n')
    assert path.read_text() == '{"old": 1}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_the_manifest_and_metrics_are_written_atomically(tmp_path, monkeypatch):
    written = []
    real = atomic.os.replace
    monkeypatch.setattr(atomic.os, "replace",
                        lambda src, dst: (written.append(os.path.basename(dst)), real(src, dst)))
    with RunStore(tmp_path / "run", {"test": 1}) as store:
        store.write_metrics({"n": 1})
    assert written == ["run.json", "metrics.json"]
    assert json.loads((tmp_path / "run" / "metrics.json").read_text()) == {"n": 1}


@pytest.mark.parametrize("torn, problem", [
    (b'{\n  "test": ', "line 2: Expecting value"),
    (b"", "line 1: Expecting value"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"test": "\xe9"}', "not UTF-8 text"),
])
def test_an_unreadable_manifest_is_named_with_the_fix(tmp_path, torn, problem):
    with RunStore(tmp_path / "run", {"test": 1}) as store:
        store.append(RECORD)
    (tmp_path / "run" / "run.json").write_bytes(torn)
    with pytest.raises(ValueError) as err:
        RunStore(tmp_path / "run", {"test": 1})
    message = str(err.value)
    assert f"{tmp_path / 'run' / 'run.json'} is unreadable ({problem}" in message
    assert f"delete the directory {tmp_path / 'run'} to start over" in message
    # Refused, not repaired by guesswork: the finished record is still there, unresumed.
    assert RunStore.read(tmp_path / "run") == {"a": RECORD}
    assert (tmp_path / "run" / "run.json").read_bytes() == torn


def test_derived_outputs_start_over_after_an_unreadable_manifest(tmp_path):
    with RunStore(tmp_path / "eval", {"test": 1}, replace_stale=True) as store:
        store.append(RECORD)
    (tmp_path / "eval" / "run.json").write_text('{"te')
    with RunStore(tmp_path / "eval", {"test": 1}, replace_stale=True):
        pass
    assert RunStore.read(tmp_path / "eval") == {}
    assert json.loads((tmp_path / "eval" / "run.json").read_text())["test"] == 1


def test_out_that_is_a_file_is_refused_untouched(tmp_path):
    path = tmp_path / "out"
    path.write_text("notes\n")
    with pytest.raises(ValueError, match=f"--out {path} is a file"):
        RunStore(path, {"test": 1})
    assert path.read_text() == "notes\n"
