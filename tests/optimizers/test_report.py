import json

from mlflow import MlflowClient

from mopa.optimizers.report import report
from mopa.optimizers.tune import tune


def _tune(tmp_path, **kw):
    return tune("demo:product_review", study="rep", storage=f"sqlite:///{tmp_path / 'o.db'}",
                trials=3, limit=3, lm="fake", tracking_uri=f"sqlite:///{tmp_path / 'm.db'}",
                out=str(tmp_path / "runs"), presets="planner-mopa,rag-mopa", agents="1-2",
                layers="1-2", progress=False, **kw)


def test_report_compares_best_trials_with_rag_and_copy_latest(tmp_path):
    result = _tune(tmp_path)
    out = report(study="rep", storage=f"sqlite:///{tmp_path / 'o.db'}", top=2,
                 tracking_uri=f"sqlite:///{tmp_path / 'm.db'}", out=str(tmp_path / "runs"))
    rows = out["rows"]
    assert len(rows) == 2 and rows[0]["final"]["meteor"] >= rows[1]["final"]["meteor"]
    assert rows[0]["trial"] == result["best"]["number"]
    assert set(rows[0]["vs"]) == {"rag", "copy-latest"}
    assert (tmp_path / "runs" / "rep" / "baseline-rag" / "predictions.jsonl").exists()
    names = {p.split("/")[-1] for p in out["figures"]}
    assert {"history.png", "agents_depth.png"} <= names
    saved = json.loads((tmp_path / "runs" / "rep" / "report" / "best_trials.json").read_text())
    assert saved[0]["vs"]["copy-latest"]["meteor"]["n"] == 3

    client = MlflowClient(f"sqlite:///{tmp_path / 'm.db'}")
    artifacts = {a.path for a in client.list_artifacts(result["parent_run_id"])}
    assert {"best_trials.md", "history.png", "agents_depth.png"} <= artifacts


def test_multi_objective_report_draws_the_pareto_front(tmp_path):
    _tune(tmp_path, objectives="meteor,lm_calls")
    out = report(study="rep", storage=f"sqlite:///{tmp_path / 'o.db'}",
                 tracking_uri=f"sqlite:///{tmp_path / 'm.db'}", out=str(tmp_path / "runs"))
    assert any(f.endswith("pareto.png") for f in out["figures"])
