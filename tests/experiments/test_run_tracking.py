"""An experiment's MLflow runs read from the table: named, described, with dataset and commit
(experiments/run.py through mopa/runs/run_context.py)."""

from mlflow import MlflowClient

from mopa.runs import run_context
from mopa.runs.code_version import git_commit
from mopa.runs.settings import DataSettings
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
