"""kill -9 while MLflow creates its SQLite store (seconds of schema migrations) must not leave a
store that every later command fails to open."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import mlflow
from mlflow import MlflowClient

from mopa.runs import tracking
from mopa.runs.sqlite_files import create_whole, sqlite_path

CREATE = "import sys; from mopa.runs import tracking; tracking.configure(sys.argv[1])"


def test_a_kill_while_mlflow_creates_its_store_leaves_nothing_broken(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "mlflow.db"
    url = f"sqlite:///{db}"
    proc = subprocess.Popen([sys.executable, "-c", CREATE, url])
    deadline = time.monotonic() + 120
    # Kill it mid-migration: its temporary store has tables (the old code: mlflow.db itself).
    while not any(p.stat().st_size > 0 for p in tmp_path.glob(".mlflow.db.*.partial")):
        assert proc.poll() is None and time.monotonic() < deadline, "creation was not caught"
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not db.exists()  # only complete stores get the name
    try:
        assert tracking.configure(url) == url
        client = MlflowClient(url)
        experiment = client.create_experiment("after-the-kill")
        assert client.create_run(experiment).info.status == "RUNNING"
    finally:
        mlflow.set_tracking_uri(None)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".mlflow.db")] == []


def test_only_new_sqlite_files_are_built_aside(tmp_path):
    calls = []
    existing = tmp_path / "old.db"
    existing.write_bytes(b"x")
    for url in ("postgresql://u@h/db", "sqlite:///:memory:", f"sqlite:///{existing}"):
        create_whole(url, calls.append)
    assert calls == []
    create_whole(f"sqlite:///{tmp_path / 'new.db'}",
                 lambda u: sqlite_path(u).write_bytes(b"complete"))
    assert (tmp_path / "new.db").read_bytes() == b"complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.db", "old.db"]
