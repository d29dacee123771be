import json
import os
import subprocess
import sys

import pytest

from mopa.runs import store as store_module
from mopa.runs.store import RunStore

RECORD = {"id": "a", "prediction": "p", "error": None}


def test_a_second_writer_is_refused_until_the_first_closes(tmp_path):
    first = RunStore(tmp_path / "run", {"test": 1})
    # flock locks belong to an open file description, so a second store in this process
    # conflicts exactly as another process would.
    with pytest.raises(RuntimeError, match=f"run directory {tmp_path / 'run'} is in use by pid "
                                           f"{os.getpid()}"):
        RunStore(tmp_path / "run", {"test": 1})
    first.close()
    with RunStore(tmp_path / "run", {"test": 1}) as again:
        again.append(RECORD)
    assert RunStore.read(tmp_path / "run") == {"a": RECORD}


def test_another_process_holding_the_directory_is_named(tmp_path):
    code = ("import sys; from mopa.runs.store import RunStore; "
            f"s = RunStore({str(tmp_path / 'run')!r}, {{'test': 1}}); print('open', flush=True); "
            "sys.stdin.readline(); s.close()")
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    try:
        assert child.stdout.readline() == "open\n"
        with pytest.raises(RuntimeError, match=f"in use by pid {child.pid}"):
            RunStore(tmp_path / "run", {"test": 1})
    finally:
        child.communicate("\n", timeout=60)
    with RunStore(tmp_path / "run", {"test": 1}):
        pass


def test_a_live_writers_unfinished_line_survives_a_refused_open(tmp_path):
    with RunStore(tmp_path / "run", {"test": 1}) as live:
        with live.predictions_path.open("a") as f:
            f.write('{"id": "a", "pred')  # the live writer is in the middle of an append
        with pytest.raises(RuntimeError, match="in use"):
            RunStore(tmp_path / "run", {"test": 1})
        assert live.predictions_path.read_text() == '{"id": "a", "pred'


def test_reading_does_not_take_the_lock(tmp_path):
    with RunStore(tmp_path / "run", {"test": 1}) as store:
        store.append(RECORD)
        assert set(RunStore.read(tmp_path / "run")) == {"a"}


def test_a_changed_setting_is_named_down_to_the_sub_key(tmp_path):
    with RunStore(tmp_path / "run", {"config": {"agents": 2, "layers": 1}, "k": 4}):
        pass
    with pytest.raises(ValueError, match=r"changed: config\.agents\)"):
        RunStore(tmp_path / "run", {"config": {"agents": 3, "layers": 1}, "k": 4})


def test_changed_code_refuses_and_says_how_to_get_out(tmp_path, monkeypatch):
    with RunStore(tmp_path / "run", {"test": 1}):
        pass
    saved = json.loads((tmp_path / "run" / "run.json").read_text())
    assert set(saved["code"]) == {"package", "sources"}
    monkeypatch.setattr(store_module, "code_version",
                        lambda: {**saved["code"], "sources": "0" * 64})
    with pytest.raises(ValueError, match=r"changed: code\.sources\).*new --out"):
        RunStore(tmp_path / "run", {"test": 1})


def test_a_commit_that_leaves_the_sources_alone_still_resumes(tmp_path, monkeypatch):
    with RunStore(tmp_path / "run", {"test": 1}):
        pass
    monkeypatch.setattr(store_module, "git_commit", lambda: "f" * 40)
    with RunStore(tmp_path / "run", {"test": 1}):
        pass


def test_derived_outputs_are_replaced_instead_of_refused(tmp_path):
    with RunStore(tmp_path / "run", {"program_hash": "a"}) as store:
        store.append(RECORD)
        store.write_metrics({"n": 1})
    with RunStore(tmp_path / "run", {"program_hash": "a"}, replace_stale=True) as same:
        assert same.finished_ids() == {"a"}  # same settings: resumed, not recomputed
    with RunStore(tmp_path / "run", {"program_hash": "b"}, replace_stale=True) as other:
        assert other.records() == {} and not other.metrics_path.exists()
    assert json.loads((tmp_path / "run" / "run.json").read_text())["program_hash"] == "b"
