"""An experiment's MLflow runs read from the table: named, described, with dataset and commit
(experiments/run.py through mopa/runs/run_context.py)."""

import pytest
from mlflow import MlflowClient

from mopa.experiments.markdown import layer_table, results_table
from mopa.runs import run_context
from mopa.runs.code_version import git_commit
from mopa.runs.settings import DataSettings, MetricSettings
from mopa.scoring.judge_settings import JudgeSettings
from tests.experiments.test_run import _run


def test_experiment_runs_are_named_described_and_carry_their_examples(tmp_path):
    _run("table", "demo:product_review", tmp_path, 2, 2, 1, out=str(tmp_path),
         systems="rag,rag-mopa")
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("mopa-experiments").experiment_id])
    [parent] = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    digest = run_context.digest(DataSettings("demo:product_review", limit=2).examples())
    assert parent.info.run_name == "table · 2 systems on 2 examples"
    assert parent.data.tags["mlflow.note.content"].startswith("Experiment `table`: ")
    for run in [parent, *children]:
        assert run.inputs.dataset_inputs[0].dataset.digest == digest
        assert run.data.tags.get(run_context.GIT_TAG) == git_commit()
        assert run.data.tags["mlflow.source.name"] == "mopa experiment"
    names = sorted(r.info.run_name for r in children)
    assert len(names) == 2 and all(" · meteor 0." in n for n in names)
    assert any(n.startswith("RAG-Personalized") or n.startswith("RAG") for n in names)


def test_an_experiment_scores_tables_and_logs_the_chosen_metrics_and_the_judge_apart(tmp_path):
    scoring = MetricSettings(metrics="meteor,reader,judge",
                             judge=JudgeSettings(judge_lm="fake"))
    results = _run("table", "demo:product_review", tmp_path, 2, 2, 2, out=str(tmp_path),
                   systems="rag,rag-mopa", scoring=scoring)
    assert results["settings"]["metrics"] == "meteor,reader,judge"  # a rerun on others: refused
    table = results_table(results)
    assert "| METEOR | Reader | Judge (coherence + fit) |" in table
    assert "ΔReader vs rag" in table
    layered = next(e for e in results["systems"] if e["by_layer"])
    assert {"meteor", "reader"} <= set(layered["by_layer"][0])
    assert "judge" not in layered["by_layer"][0]  # layers are not judged
    assert "| — |" in layer_table(results)
    for entry in results["systems"]:
        assert entry["judge_usage"]["judgments"] == 2 * 2  # final and copy-latest
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("mopa-experiments").experiment_id])
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    by_label = {e["label"]: e for e in results["systems"]}
    for run in children:
        entry = by_label[run.info.run_name.split(" · ")[0]]
        logged = run.data.metrics
        assert logged["reader"] == pytest.approx(entry["metrics"]["reader"]["estimate"])
        assert logged["judge"] == pytest.approx(entry["metrics"]["judge"]["estimate"])
        assert logged["judge_lm_calls"] == entry["judge_usage"]["lm_calls"]
        assert "copy_latest_reader" in logged
    with pytest.raises(ValueError, match=r"changed: judge_lm, metrics"):
        _run("table", "demo:product_review", tmp_path, 2, 2, 2, out=str(tmp_path),
             systems="rag")
