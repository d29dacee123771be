"""SIGTERM (what a scheduler, ``docker stop``, Kubernetes or SLURM sends) stops every command
exactly like Ctrl-C: the same cleanup (finished examples kept, MLflow runs ended KILLED, the
trial queued again), one line, exit 143; the rerun completes. Ctrl-C in ``tune`` prints that
one line without Optuna's traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from mlflow import MlflowClient

from mopa import cli
from mopa.cli import main
from mopa.signals import Terminated
from tests.reliability.finished_lines import lines, wait_for_lines

LATENCY = 0.3  # seconds per fake LM call: an example of planner-mopa 2x1 takes ~0.9 s
N = 12  # the demo's examples
COMMON = ["--lm", f"fake?latency={LATENCY}", "--data", "demo:product_review", "--no-progress"]
RUN = ["run", *COMMON, "--program", "planner-mopa", "--agents", "2", "--layers", "1",
       "--workers", "2"]
STOPPED = "finished work is saved, rerun the same command to resume"


def _tune(tmp_path: Path) -> list[str]:
    return ["tune", *COMMON, "--limit", "4", "--presets", "planner-mopa", "--agents", "2",
            "--layers", "1", "--trials", "1", "--study", "s",
            "--storage", f"sqlite:///{tmp_path / 'optuna.db'}", "--out", str(tmp_path / "runs")]


def _stop_after_lines(argv: list[str], predictions: Path, n: int,
                      sig: signal.Signals) -> tuple[int, str]:
    """Start ``mopa ARGV``, send ``sig`` once ``predictions`` has ``n`` lines: (exit, stderr)."""
    proc = subprocess.Popen([sys.executable, "-m", "mopa.cli", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_lines(predictions, n, proc, timeout=120)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def _runs(uri: str) -> list:
    client = MlflowClient(uri)
    return [r for e in client.search_experiments()
            for r in client.search_runs([e.experiment_id])]


def _mopa_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("mopa:")]


def test_sigterm_in_run_exits_143_keeps_predictions_and_ends_the_mlflow_run_killed(tmp_path):
    out, uri = tmp_path / "run", f"sqlite:///{tmp_path / 'mlflow.db'}"
    argv = [*RUN, "--out", str(out), "--tracking-uri", uri]
    code, err = _stop_after_lines(argv, out / "predictions.jsonl", 2, signal.SIGTERM)
    assert code == 143, err
    assert _mopa_lines(err) == [f"mopa: stopped by SIGTERM; {STOPPED}"], err
    assert "Traceback" not in err
    kept = [line for line in lines(out / "predictions.jsonl") if line.endswith("\n")]
    assert 2 <= len(kept) < N
    [stopped] = _runs(uri)
    assert stopped.info.status == "KILLED", stopped.info.status  # was RUNNING forever
    assert stopped.data.tags["fail_reason"] == "Terminated: SIGTERM"

    assert main([*argv]) == 0  # the rerun: the same command
    after = lines(out / "predictions.jsonl")
    assert after[:len(kept)] == kept
    assert len({json.loads(line)["id"] for line in after}) == len(after) == N
    assert sorted(r.info.status for r in _runs(uri)) == ["FINISHED", "KILLED"]


def test_sigterm_in_tune_stops_like_ctrl_c_and_the_rerun_resumes_the_trial(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    argv = [*_tune(tmp_path), "--tracking-uri", uri]
    predictions = tmp_path / "runs" / "s" / "trial-0" / "predictions.jsonl"
    code, err = _stop_after_lines(argv, predictions, 1, signal.SIGTERM)
    assert code == 143, err
    assert _mopa_lines(err) == [f"mopa: stopped by SIGTERM; {STOPPED}"], err
    assert "Traceback" not in err
    kept = lines(predictions)
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'optuna.db'}")
    stopped, queued = study.trials
    assert (stopped.state.name, queued.state.name) == ("FAIL", "WAITING")
    assert stopped.user_attrs["fail_reason"] == "Terminated: SIGTERM"
    assert queued.user_attrs["retry_reason"] == "stopped by SIGTERM"
    assert {r.info.run_name.split()[0]: r.info.status for r in _runs(uri)} == {
        "t0": "KILLED", "s": "KILLED"}  # the trial's run and the study's parent run

    assert main([*argv[:-2], "--tracking-uri", uri]) == 0  # the same command resumes it
    states = [t.state.name for t in optuna.load_study(
        study_name="s", storage=f"sqlite:///{tmp_path / 'optuna.db'}").trials]
    assert states == ["FAIL", "COMPLETE"]
    assert lines(predictions)[:len(kept)] == kept


def test_ctrl_c_in_tune_prints_one_line_and_no_optuna_traceback(tmp_path):
    predictions = tmp_path / "runs" / "s" / "trial-0" / "predictions.jsonl"
    argv = [*_tune(tmp_path), "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}"]
    code, err = _stop_after_lines(argv, predictions, 1, signal.SIGINT)
    assert code == 130, err
    assert "Traceback" not in err and "failed with" not in err, err
    assert _mopa_lines(err) == [f"mopa: interrupted; {STOPPED}"], err


@pytest.mark.parametrize("command", ["run", "tune", "experiment", "compile", "report"])
def test_sigterm_in_any_command_exits_143_with_one_line(command, monkeypatch, capsys):
    def gets_sigterm(args):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises in this thread before this ends
        pytest.fail("SIGTERM did not stop the command")

    module = __import__(f"mopa.commands.{command}", fromlist=["main"])
    monkeypatch.setattr(module, "main", gets_sigterm)
    parser = cli.build_parser((command,))
    monkeypatch.setattr(cli, "build_parser", lambda loaded: parser)
    argv = {"run": ["--data", "demo:product_review"], "tune": ["--data", "demo:product_review"],
            "experiment": ["agents", "--data", "demo:product_review"],
            "compile": ["--data", "demo:product_review"], "report": ["--study", "s"]}[command]
    previous = signal.getsignal(signal.SIGTERM)
    assert main([command, *argv]) == 143
    assert capsys.readouterr().err == f"mopa: stopped by SIGTERM; {STOPPED}\n"
    assert signal.getsignal(signal.SIGTERM) is previous  # the caller's handler is back
    assert issubclass(Terminated, KeyboardInterrupt)  # so every Ctrl-C cleanup runs for it
