"""A tracking store that stops answering mid-command (a fake: every ``MlflowClient`` call
raises what MLflow raises for a dead server) costs the command its MLflow runs for a while,
never its results: ``tune``'s trials stay COMPLETE, one line names the tracking URI, and the
runs it missed are logged (and the ones left RUNNING closed) by the next ``mopa tune`` on the
study; ``run`` keeps its predictions and exits 0. MLflow's minutes-long HTTP retries are
shortened unless the user chose them. The same with a real ``mlflow server`` killed mid-trial:
tests/reliability/test_tracking_server_dies.py (integration)."""

from __future__ import annotations

import inspect
import json
import logging
import os
from dataclasses import asdict

import mlflow
import optuna
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from mopa.cli import main
from mopa.optimizers import tune as tune_module
from mopa.optimizers.search_space import space_from_flags
from mopa.optimizers.settings import SpaceFlags, StudySettings, TuneSettings, fixed
from mopa.optimizers.trial_runs import PENDING_ATTR
from mopa.optimizers.tune import tune
from mopa.programs import ProgramOptions
from mopa.runs import runner, tracking
from mopa.runs.settings import DataSettings, RunSettings, TrackingSettings
from mopa.settings import from_args
from tests.conftest import review_record

DEAD = "API request to http://127.0.0.1:5000/api/2.0/mlflow/runs/create failed: Connection refused"


@pytest.fixture
def outage(monkeypatch):
    """``outage["down"] = True`` makes every MlflowClient method raise as for a dead server."""
    state = {"down": False, "calls": 0}

    def failing(method):
        def call(self, *args, **kwargs):
            if state["down"]:
                state["calls"] += 1
                raise MlflowException(DEAD)
            return method(self, *args, **kwargs)
        return call

    for name, member in inspect.getmembers(MlflowClient):
        if (not name.startswith("_") and callable(member)
                and not isinstance(inspect.getattr_static(MlflowClient, name), property)):
            monkeypatch.setattr(MlflowClient, name, failing(member))
    return state


@pytest.fixture
def values(tmp_path, monkeypatch, write_jsonl, request):
    monkeypatch.chdir(tmp_path)  # MLflow puts a new experiment's artifacts under ./mlruns
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    data = write_jsonl([review_record(f"user{i}", n_profile=3 + i) for i in range(3)])
    yield {"data": str(data), "study": "s", "experiment": "dead-tracking",
           "storage": f"sqlite:///{tmp_path / 'optuna.db'}",
           "tracking_uri": f"sqlite:///{tmp_path / 'mlflow.db'}", "out": str(tmp_path / "runs"),
           "lm": "fake", "limit": 2, "presets": "planner-mopa", "agents": "1-2", "layers": "1",
           "progress": False}
    mlflow.set_tracking_uri(None)


def run_tune(**values):
    return tune(from_args(DataSettings, values), from_args(RunSettings, fixed(values)),
                from_args(StudySettings, values), from_args(TuneSettings, values),
                space_from_flags(**asdict(from_args(SpaceFlags, values))),
                from_args(ProgramOptions, fixed(values)),
                tracking_settings=from_args(TrackingSettings, values))


def trial_runs(values) -> dict[int, mlflow.entities.Run]:
    client = MlflowClient(values["tracking_uri"])
    experiment = client.get_experiment_by_name(values["experiment"])
    runs = client.search_runs([experiment.experiment_id], max_results=100)
    children = [r for r in runs if tracking.PARENT_TAG in r.data.tags]
    numbers = [int(r.data.tags["optuna.trial_number"]) for r in children]
    assert len(numbers) == len(set(numbers)), "a trial was logged twice"
    return {int(r.data.tags["optuna.trial_number"]): r for r in children}


def dead_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "did not answer" in r.getMessage()]


def test_a_store_dying_mid_tune_fails_no_trial_and_the_next_tune_logs_what_it_missed(
        values, outage, monkeypatch, caplog):
    real_execute = tune_module.execute

    def store_dies_as_the_trial_runs(*args, **kwargs):
        outage["down"] = True  # and stays down until this command ends
        return real_execute(*args, **kwargs)

    monkeypatch.setattr(tune_module, "execute", store_dies_as_the_trial_runs)
    with caplog.at_level(logging.WARNING):
        result = run_tune(trials=2, **values)
    study = optuna.load_study(study_name="s", storage=values["storage"])
    assert [t.state.name for t in study.trials] == ["COMPLETE", "COMPLETE"]  # not FAIL
    assert result["trials"] == {"COMPLETE": 2}
    assert all(t.user_attrs[PENDING_ATTR] for t in study.trials)
    [line] = dead_lines(caplog)  # one line for the whole outage
    assert values["tracking_uri"] in line and "next `mopa tune`" in line
    outage["down"] = False
    left = trial_runs(values)
    assert list(left) == [0] and left[0].info.status == "RUNNING"  # trial 1 got no run at all

    monkeypatch.setattr(tune_module, "execute", real_execute)
    run_tune(trials=0, **values)  # the next `mopa tune` on the study, the store back

    runs = trial_runs(values)
    assert sorted(runs) == [0, 1]
    for number, run in runs.items():
        trial = study.trials[number]
        assert run.info.status == "FINISHED"
        assert run.data.metrics["meteor"] == pytest.approx(trial.values[0])
        assert run.data.params["preset"] == "planner-mopa"
        assert run.info.run_name.startswith(f"t{number} planner-mopa")
    run_tune(trials=0, **values)  # nothing left to log: no second run of a trial
    assert sorted(trial_runs(values)) == [0, 1]


def test_a_trial_stopped_while_the_store_is_down_has_its_run_ended_killed_later(
        values, outage, monkeypatch):
    def stopped(*args, **kwargs):
        outage["down"] = True
        raise KeyboardInterrupt

    monkeypatch.setattr(tune_module, "execute", stopped)
    with pytest.raises(KeyboardInterrupt):  # not the MLflow error of the cleanup
        run_tune(trials=1, **values)
    outage["down"] = False
    assert trial_runs(values)[0].info.status == "RUNNING"  # an orphan: nobody runs it
    monkeypatch.undo()
    run_tune(trials=0, **values)
    run = trial_runs(values)[0]
    assert run.info.status == "KILLED" and run.data.tags["fail_reason"] == "KeyboardInterrupt: "


def test_mopa_run_keeps_its_results_when_the_store_dies(values, outage, monkeypatch, capsys,
                                                        caplog):
    real_execute = runner.execute

    def store_dies(*args, **kwargs):
        outage["down"] = True
        return real_execute(*args, **kwargs)

    monkeypatch.setattr(runner, "execute", store_dies)
    out = values["out"] + "/run"
    argv = ["run", "--data", values["data"], "--lm", "fake", "--program", "planner-mopa",
            "--agents", "2", "--layers", "1", "--no-progress", "--out", out,
            "--tracking-uri", values["tracking_uri"]]
    with caplog.at_level(logging.WARNING):
        assert main(argv) == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["out"] == out
    with open(f"{out}/predictions.jsonl", encoding="utf-8") as f:
        assert len(f.read().splitlines()) == 3
    [line] = dead_lines(caplog)
    assert values["tracking_uri"] in line and "rerun the same `mopa run`" in line


def test_mopa_run_with_a_store_dead_from_the_start_still_runs(values, outage, caplog):
    tracking.configure(values["tracking_uri"])  # the store exists; then its server dies
    outage["down"] = True
    argv = ["run", "--data", values["data"], "--lm", "fake", "--program", "planner-mopa",
            "--agents", "2", "--layers", "1", "--no-progress", "--out", values["out"],
            "--tracking-uri", values["tracking_uri"]]
    with caplog.at_level(logging.WARNING):
        assert main(argv) == 0
    assert len(dead_lines(caplog)) == 1


def test_short_http_retries_unless_the_user_chose_them(monkeypatch):
    for name in tracking.HTTP_DEFAULTS:
        monkeypatch.setenv(name, "x")  # restored (to unset) after the test
        monkeypatch.delenv(name)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "5")  # the user's choice
    try:
        tracking.configure("http://127.0.0.1:9")
    finally:
        mlflow.set_tracking_uri(None)
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == tracking.HTTP_DEFAULTS[
        "MLFLOW_HTTP_REQUEST_TIMEOUT"]
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "5"
