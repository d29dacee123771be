"""A full disk: the error line names the file, and a predictions line whose append failed
part-way is cut back, so predictions.jsonl keeps whole lines only and a rerun finishes."""

from __future__ import annotations

import errno
import json
import os

import pytest

from mopa import atomic
from mopa.cli import main
from mopa.runs.store import RunStore

RUN = ["run", "--lm", "fake", "--no-progress", "--program", "rag", "--data",
       "demo:product_review", "--limit", "4"]


def _disk_full_on_append(monkeypatch, nth: int) -> None:
    """The nth append to predictions.jsonl gets a part of its line onto the disk, then
    ENOSPC (as a write that runs out of space part-way does)."""
    real, count = os.fsync, {"n": 0}

    def fsync(fd):
        if os.readlink(f"/proc/self/fd/{fd}").endswith("predictions.jsonl"):
            count["n"] += 1
            if count["n"] == nth:
                size = os.fstat(fd).st_size
                os.ftruncate(fd, size - 7)  # the line's end never reached the disk
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync)


def test_a_full_disk_names_the_file_and_leaves_whole_lines(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    _disk_full_on_append(monkeypatch, 3)
    assert main([*RUN, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    path = out / "predictions.jsonl"
    # The run first says its planned calls (one line), then the one error line.
    assert err.splitlines()[-1] == f"mopa: error: {path}: No space left on device"
    assert [line for line in err.splitlines() if not line.startswith("mopa run: ")] == [
        f"mopa: error: {path}: No space left on device"]
    data = path.read_bytes()
    assert data.endswith(b"\n")  # the torn third line was cut back
    assert all(json.loads(line)["error"] is None for line in data.splitlines())
    monkeypatch.undo()
    assert main([*RUN, "--out", str(out)]) == 0
    assert len(RunStore.read(out)) == 4


def test_a_failed_append_is_truncated_back(tmp_path, monkeypatch):
    with RunStore(tmp_path / "run", {"test": 1}) as store:
        store.append({"id": "a", "prediction": "p", "error": None})
        before = store.predictions_path.read_bytes()
        _disk_full_on_append(monkeypatch, 1)
        with pytest.raises(OSError) as e:
            store.append({"id": "b", "prediction": "q" * 100, "error": None})
    assert e.value.filename == str(store.predictions_path)
    assert store.predictions_path.read_bytes() == before


def test_a_full_disk_on_a_whole_file_write_names_the_file(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OSError) as e:
        atomic.write_text_atomic(tmp_path / "metrics.json", "{}\n")
    assert e.value.filename == str(tmp_path / "metrics.json")
    assert list(tmp_path.iterdir()) == []
