"""``mopa tune`` after crashes and Ctrl-C: lost trials are failed with a reason,
retried in their first attempt's run directory (its finished examples reused), the parent run
is FINISHED only when no trial runs, a study left without its parent run is repaired at once,
and ``--n-total`` makes a rerun resume to a total."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

import mlflow
import optuna
import pytest
from mlflow import MlflowClient

from mopa.optimizers import recovery
from mopa.optimizers.search_space import space_from_flags
from mopa.optimizers.settings import SpaceFlags, StudySettings, TuneSettings, fixed
from mopa.optimizers.study import CREATOR_ATTR, PARENT_ATTR, open_storage
from mopa.optimizers.tune import tune
from mopa.programs import ProgramOptions
from mopa.runs import tracking
from mopa.runs.settings import DataSettings, RunSettings, TrackingSettings
from mopa.settings import from_args
from tests.conftest import review_record

optuna.logging.set_verbosity(optuna.logging.WARNING)
SLOW = "fake?latency=0.3"  # seconds per fake LM call: long enough to stop a trial in


@pytest.fixture(scope="module")
def tracking_uri(tmp_path_factory):
    # One MLflow store for the module, created here once (its tables take seconds), not by
    # the first test's subprocess.
    uri = tracking.configure(f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}")
    yield uri
    mlflow.set_tracking_uri(None)


@pytest.fixture
def flags(tmp_path, monkeypatch, write_jsonl, tracking_uri, request):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    data = write_jsonl([review_record(f"user{i}", n_profile=3 + i) for i in range(4)])
    return {"data": str(data), "study": "s", "experiment": request.node.name,
            "storage": f"sqlite:///{tmp_path / 'optuna.db'}", "tracking_uri": tracking_uri,
            "out": str(tmp_path / "runs"), "lm": "fake", "limit": 4, "presets": "planner-mopa",
            "agents": "1-2", "layers": "1", "progress": False}


def run_tune(**values):
    settings = (from_args(DataSettings, values), from_args(RunSettings, fixed(values)),
                from_args(StudySettings, values), from_args(TuneSettings, values))
    return tune(*settings, space_from_flags(**asdict(from_args(SpaceFlags, values))),
                from_args(ProgramOptions, fixed(values)),
                tracking_settings=from_args(TrackingSettings, values))


def argv(flags: dict, **more) -> list[str]:
    out = []
    for key, value in {**flags, **more}.items():
        if key == "progress":
            out.append("--no-progress")
        else:
            out += [f"--{key.replace('_', '-')}", str(value)]
    return out


def study_of(flags) -> optuna.Study:
    storage = open_storage(flags["storage"], MlflowClient(flags["tracking_uri"]))
    return optuna.load_study(study_name=flags["study"], storage=storage)


def runs_of(flags):
    client = MlflowClient(flags["tracking_uri"])
    experiment = client.get_experiment_by_name(flags["experiment"])
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    parent = [r for r in runs if tracking.PARENT_TAG not in r.data.tags]
    assert len(parent) == 1
    return parent[0], [r for r in runs if tracking.PARENT_TAG in r.data.tags]


def dead_worker() -> dict:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return {**recovery.this_worker(), "pid": proc.pid, "time": time.time()}


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True) if path.exists() else []


def test_kill_9_mid_trial_then_rerun_retries_it_reusing_its_finished_examples(flags):
    flags["lm"] = SLOW
    predictions = Path(flags["out"]) / "s" / "trial-0" / "predictions.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "mopa.cli", "tune", *argv(flags, trials=1)],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while len(lines(predictions)) < 2:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the trial did not start"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = [line for line in lines(predictions) if line.endswith("\n")]
    assert [t.state.name for t in study_of(flags).trials] == ["RUNNING"]  # what it leaves

    result = run_tune(n_total=1, **flags)  # the same command, resuming to a total

    trials = study_of(flags).trials
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE"]
    lost, retried = trials[0], trials[1]
    assert "died mid-trial" in lost.user_attrs["fail_reason"]
    assert retried.user_attrs[recovery.FIRST_ATTEMPT_ATTR] == 0
    assert retried.params == lost.params and Path(retried.user_attrs["run_dir"]).name == "trial-0"
    after = lines(predictions)
    ids = [json.loads(line)["id"] for line in after]
    assert after[:len(before)] == before and len(ids) == len(set(ids)) == 4  # reused, once
    parent, children = runs_of(flags)
    assert parent.info.status == "FINISHED" and parent.info.run_id == result["parent_run_id"]
    status = {c.data.tags["optuna.trial_number"]: c.info.status for c in children}
    assert status == {"0": "FAILED", "1": "FINISHED"}
    lost_run = next(c for c in children if c.data.tags["optuna.trial_number"] == "0")
    assert "died mid-trial" in lost_run.data.tags["fail_reason"]

    assert run_tune(n_total=1, **flags)["trials"] == {"FAIL": 1, "COMPLETE": 1}  # at the total


def test_ctrl_c_in_a_trial_exits_and_the_rerun_resumes_it(flags):
    flags["lm"] = SLOW
    predictions = Path(flags["out"]) / "s" / "trial-0" / "predictions.jsonl"

    def interrupt_after_two_examples():
        while len(lines(predictions)) < 2:
            time.sleep(0.02)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    threading.Thread(target=interrupt_after_two_examples, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        run_tune(trials=1, **flags)
    kept = lines(predictions)
    trials = study_of(flags).trials
    assert [t.state.name for t in trials] == ["FAIL", "WAITING"]
    assert trials[0].user_attrs["fail_reason"].startswith("KeyboardInterrupt")
    parent, children = runs_of(flags)
    assert parent.info.status == "KILLED" and [c.info.status for c in children] == ["KILLED"]

    run_tune(n_total=1, **flags)
    trials = study_of(flags).trials
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE"]
    after = lines(predictions)
    # An example the interrupt caught mid-call may be saved as a failure and retried: every
    # example ends finished exactly once, and nothing saved before the interrupt is rewritten.
    finished = [r["id"] for r in map(json.loads, after) if not r.get("error")]
    assert after[:len(kept)] == kept and len(finished) == len(set(finished)) == 4
    assert runs_of(flags)[0].info.status == "FINISHED"


@pytest.mark.filterwarnings("ignore:Heartbeat of storage")  # ask() stands in for a worker
def test_the_parent_stays_running_while_another_workers_trial_runs(flags):
    run_tune(trials=0, **flags)
    study = study_of(flags)
    other = study.ask()  # a live worker's trial (this process)
    other.set_user_attr(recovery.WORKER_ATTR, recovery.this_worker())
    run_tune(trials=1, **flags)
    assert runs_of(flags)[0].info.status == "RUNNING"
    study.tell(other, 0.5)
    run_tune(trials=0, **flags)
    assert runs_of(flags)[0].info.status == "FINISHED"


@pytest.mark.parametrize("creator", ["dead", "none"])
def test_a_study_left_without_its_parent_run_is_repaired_at_once(flags, creator):
    study = optuna.create_study(study_name="s", storage=flags["storage"], direction="maximize")
    if creator == "dead":  # killed between create_study and publishing the parent run
        study.set_user_attr(CREATOR_ATTR, dead_worker())
    start = time.monotonic()
    result = run_tune(trials=1, parent_timeout=60, **flags)
    assert time.monotonic() - start < 30  # the old code waited parent_timeout, then failed
    assert study_of(flags).user_attrs[PARENT_ATTR] == result["parent_run_id"]
    assert result["trials"] == {"COMPLETE": 1}
    assert runs_of(flags)[0].info.status == "FINISHED"


def test_a_study_with_other_directions_is_not_adopted(flags):
    optuna.create_study(study_name="s", storage=flags["storage"], direction="minimize")
    with pytest.raises(ValueError, match=r"has directions \['minimize'\].*need \['maximize'\]"):
        run_tune(trials=1, parent_timeout=5, **flags)


def test_n_total_resumes_to_a_total_instead_of_adding_trials(flags):
    assert run_tune(n_total=2, **flags)["trials"] == {"COMPLETE": 2}
    assert run_tune(n_total=2, **flags)["trials"] == {"COMPLETE": 2}
    assert run_tune(n_total=3, trials=5, **flags)["trials"] == {"COMPLETE": 3}


@pytest.mark.filterwarnings("ignore:Heartbeat of storage")  # ask() stands in for a worker
def test_another_machines_trial_is_lost_when_its_heartbeat_stops(flags):
    run_tune(trials=0, **flags)
    client = MlflowClient(flags["tracking_uri"])
    storage = open_storage(flags["storage"], client)
    storage.grace_period = 1  # instead of recovery.GRACE_PERIOD, to keep the test short
    study = optuna.load_study(study_name="s", storage=storage)
    trial = study.ask()
    trial.suggest_int("x", 1, 3)
    trial.set_user_attr(recovery.WORKER_ATTR, {"host": "elsewhere", "pid": 1, "started": 1})
    parent, _ = runs_of(flags)
    run_id = tracking.start_run(client, parent.info.experiment_id, "t0",
                                parent_run_id=parent.info.run_id)
    trial.set_user_attr("mlflow_run_id", run_id)
    storage.record_heartbeat(trial._trial_id)
    recovery.sweep(study, client)
    assert study.trials[0].state.name == "RUNNING"  # not this machine's: the heartbeat decides
    time.sleep(2.5)
    recovery.sweep(study, client)
    lost, queued = study.trials
    assert lost.state.name == "FAIL" and queued.state.name == "WAITING"
    assert queued.params == {"x": lost.params["x"]} and queued.user_attrs["retry_of"] == 0
    run = client.get_run(run_id)
    assert run.info.status == "FAILED" and "heartbeats" in run.data.tags["fail_reason"]


def test_a_trial_whose_worker_died_before_recording_itself_is_lost_after_the_grace(
        flags, monkeypatch):
    flags["storage"] = str(Path(flags["out"]).parent / "study.log")  # no heartbeats here
    run_tune(trials=0, **flags)
    study = study_of(flags)
    study.ask()  # started, then its worker died before ``guarded`` recorded it
    client = MlflowClient(flags["tracking_uri"])
    assert recovery.sweep(study, client) == 0  # within the grace: it may be starting
    monkeypatch.setattr(recovery, "GRACE_PERIOD", 0)
    assert recovery.sweep(study, client) == 1
    assert [t.state.name for t in study_of(flags).trials] == ["FAIL", "WAITING"]
    assert "never recorded itself" in study_of(flags).trials[0].user_attrs["fail_reason"]
