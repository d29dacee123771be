"""What every MLflow run carries to be read from its row (mopa/runs/run_context.py)."""

import mlflow
from mlflow import MlflowClient

from mopa.data import load
from mopa.runs import run_context


def test_dataset_inputs_name_the_source_and_digest_the_examples(tmp_path):
    examples = load("demo:product_review")[:3]
    demo = run_context.dataset_input(examples, "demo:product_review", "trials")
    assert demo.dataset.name == "demo:product_review" and demo.dataset.source_type == "mopa"
    assert demo.dataset.digest == run_context.digest(list(examples))  # stable
    assert run_context.digest(examples[:2]) != demo.dataset.digest
    path = tmp_path / "reviews.jsonl"
    local = run_context.dataset_input(examples, str(path), "train")
    assert local.dataset.name == "reviews.jsonl" and local.dataset.source_type == "local"
    assert str(path) in local.dataset.source
    half = run_context.dataset_input(examples, f"test-half:{path}", "eval")
    assert half.dataset.name == f"test-half:{path}"  # the half is part of what ran
    assert {t.key: t.value for t in half.tags} == {"mlflow.data.context": "eval", "n": "3"}


def test_describe_skips_the_commit_outside_a_checkout(tmp_path, monkeypatch):
    monkeypatch.setattr(run_context, "git_commit", lambda: None)
    client = MlflowClient(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        run_id = client.create_run("0").info.run_id
        run_context.describe(client, run_id, "run", name="rag · meteor 0.100", note="a note",
                             examples=load("demo:product_review")[:2],
                             source="demo:product_review")
        run = client.get_run(run_id)
    finally:
        mlflow.set_tracking_uri(None)
    assert run.info.run_name == "rag · meteor 0.100"
    assert run_context.GIT_TAG not in run.data.tags
    assert run.data.tags["mlflow.note.content"] == "a note"
    assert run.data.tags["mlflow.source.name"] == "mopa run"
    assert len(run.inputs.dataset_inputs) == 1
