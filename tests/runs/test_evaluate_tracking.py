"""``mopa run`` and ``mopa evaluate`` reach MLflow only with --tracking-uri, as readable runs
(mopa/runs/run_tracking.py)."""

import mlflow
import pytest
from mlflow import MlflowClient

from mopa.cli import main


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    yield tmp_path
    mlflow.set_tracking_uri(None)


def test_run_stays_offline_and_evaluate_logs_a_named_run(workdir):
    flags = ["--data", "demo:product_review", "--limit", "2", "--lm", "fake", "--no-progress"]
    assert main(["run", *flags, "--program", "rag", "--out", "runs/rag"]) == 0
    assert not (workdir / "mlflow.db").exists() and not (workdir / "mlruns").exists()

    uri = f"sqlite:///{workdir / 'm.db'}"
    assert main(["evaluate", "--data", "demo:product_review", "--predictions",
                 "runs/rag/predictions.jsonl", "--tracking-uri", uri]) == 0
    client = MlflowClient(uri)
    [run] = client.search_runs([client.get_experiment_by_name("mopa-evaluate").experiment_id])
    assert run.info.run_name.startswith("rag · meteor 0.")
    assert run.data.metrics["missing"] == 10  # the demo's other 10 examples score 0
    assert run.data.params["predictions"] == "runs/rag/predictions.jsonl"
    assert run.inputs.dataset_inputs[0].dataset.name == "demo:product_review"
    assert run.data.tags["mlflow.source.name"] == "mopa evaluate"
    assert [a.path for a in client.list_artifacts(run.info.run_id)] == ["predictions.jsonl"]
