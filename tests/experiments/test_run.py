import json

import pytest
from mlflow import MlflowClient

from mopa.experiments import EXPERIMENTS
from mopa.experiments.agents import SHOWN
from mopa.experiments.markdown import layer_table, results_table
from mopa.experiments.run import parse_counts, resolve_systems, run_experiment
from mopa.programs import ProgramChoice, table_presets
from mopa.programs.aggregators import aggregator_names
from mopa.runs.settings import DataSettings, RunSettings, TrackingSettings

FAKE = RunSettings(lm="fake", progress=False)


def _run(name, data, tmp_path, limit, agents=None, layers=None, **kw):
    """An experiment with the fake LM, tracked in tmp_path/mlflow.db."""
    return run_experiment(name, DataSettings(data, limit=limit), FAKE,
                          ProgramChoice(agents=agents, layers=layers),
                          tracking_settings=TrackingSettings(
                              f"sqlite:///{tmp_path / 'mlflow.db'}"), **kw)


def test_table_declares_the_nine_systems_and_the_baseline():
    presets = [s.preset for s in EXPERIMENTS["table"].systems]
    assert presets[0] == "copy-latest" and tuple(presets[1:]) == table_presets()


def test_parse_counts():
    assert parse_counts("4-6") == (4, 5, 6) and parse_counts("2,8") == (2, 8)
    with pytest.raises(ValueError, match="4-10"):
        parse_counts("four")


def test_table_experiment_runs_compares_plots_and_logs(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    results = _run("table", "demo:product_review", tmp_path, 3, 2, 1, out=str(tmp_path))
    entries = {e["preset"]: e for e in results["systems"]}
    assert len(entries) == 10 and all(e["n"] == 3 for e in entries.values())
    assert set(entries["planner-mopa"]["vs"]) == {"rag", "copy-latest"}
    assert entries["rag-mopa-md"]["per_example"]["lm_calls"] == 2 * 1 + 1
    assert results["settings"]["md_lms"] == ["fake@0.3", "fake@1.0"]
    assert (tmp_path / "table" / "table.png").stat().st_size > 10_000
    saved = json.loads((tmp_path / "table" / "results.json").read_text())
    assert len(saved["systems"][0]["scores"]["meteor"]) == 3
    table = results_table(results)
    assert table.count("\n") == 11 and "Role-Planner MoPA" in table

    client = MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name("mopa-experiments").experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1 and len(runs) == 11

    # Rerunning resumes: every system is complete, so nothing is recomputed.
    path = tmp_path / "table" / "rag-personalized" / "predictions.jsonl"
    before = path.read_text()
    again = _run("table", "demo:product_review", tmp_path, 3, 2, 1, out=str(tmp_path),
                 systems="rag")
    assert path.read_text() == before
    # A partial rerun merges into the saved results: the other nine systems stay, and each
    # system records the command that produced it.
    saved = json.loads((tmp_path / "table" / "results.json").read_text())
    assert [e["label"] for e in again["systems"]] == [e["label"] for e in results["systems"]]
    assert saved["systems"] == json.loads(json.dumps(again["systems"]))
    commands = {e["preset"]: e["command"] for e in again["systems"]}
    assert commands["rag"][-4:] == ["--systems", "rag", "--out", str(tmp_path)]
    assert "--systems" not in commands["planpers"] and "--seed" in commands["planpers"]
    with pytest.raises(ValueError, match=r"other settings \(changed: limit, n\)"):
        _run("table", "demo:product_review", tmp_path, 2, 2, 1, out=str(tmp_path),
             systems="rag")


def test_depth_and_agents_experiments_plot_per_layer_and_per_count(tmp_path):
    depth = _run("depth", "demo:topic_writing", tmp_path, 2, 2, 3, out=str(tmp_path))
    exemplar = next(e for e in depth["systems"] if "exemplar" in e["label"])
    assert [layer["layer"] for layer in exemplar["by_layer"]] == [1, 2, 3]
    assert "| RAG MoPA (fusion, exemplar refinement) | 3 |" in layer_table(depth)
    assert (tmp_path / "depth" / "depth.png").exists()

    agents = _run("agents", "demo:topic_writing", tmp_path, 2, layers=1, agent_counts="1-3",
                  out=str(tmp_path))
    counts = sorted(e["agents"] for e in agents["systems"])
    assert counts == [0] + [n for n in (1, 2, 3) for _ in SHOWN]  # copy-latest, then each shown
    assert (tmp_path / "agents" / "agents.png").exists()


def test_results_document_is_generated_from_outputs(tmp_path):
    from mopa.experiments.results_doc import write_results

    _run("table", "demo:product_review", tmp_path, 3, 2, 1, out=str(tmp_path / "runs"),
         systems="copy-latest,rag,planpers,planner-mopa")
    doc = write_results(str(tmp_path / "runs"), str(tmp_path / "docs" / "results.md"))
    text = doc.read_text()
    assert ("mopa experiment table --data demo:product_review --limit 3 --selection first "
            "--seed 0 --skip 0") in text
    assert "| PlanPers beats RAG-Personalized on METEOR |" in text
    assert "](figures/table-table.png)" in text
    assert (tmp_path / "docs" / "figures" / "table-table.png").exists()
    with pytest.raises(FileNotFoundError, match="mopa experiment"):
        write_results(str(tmp_path / "nothing"), str(tmp_path / "x.md"))


def test_aggregators_experiment_compares_each_aggregator_with_the_length_controls(tmp_path):
    results = _run("aggregators", "demo:product_review", tmp_path, 3, 3, out=str(tmp_path))
    by_label = {e["label"]: e for e in results["systems"]}
    fusion = by_label["MoPA fusion"]
    assert set(fusion["vs"]) == {"RAG-Personalized", "MoPA longest", "copy-latest"}
    # Each entry keeps its system's record: what claims and tables read, not the label.
    assert fusion["system"] == {"label": "MoPA fusion", "preset": "rag-mopa", "agents": None,
                                "layers": 1, "roles": None, "rag_agents": None,
                                "options": {"aggregator": "fusion", "length_factor": 1.5,
                                            "trim": True}}
    assert fusion["per_example"]["lm_calls"] == 3  # the drafts only: choosing is free
    assert by_label["MoPA merge"]["per_example"]["lm_calls"] == 4
    # Every row says how long its outputs are beside how long these users write.
    assert fusion["per_example"]["user_words"] > 0
    assert "words (user)" in results_table(results)


def test_systems_are_named_by_preset_slug_or_label_and_unknown_names_are_refused():
    aggregators = EXPERIMENTS["aggregators"]
    chosen = resolve_systems(aggregators, None, "copy-latest,RAG-Personalized,MoPA fusion")
    assert [s.label for s in chosen] == ["copy-latest", "RAG-Personalized", "MoPA fusion"]
    by_slug = resolve_systems(aggregators, None, "rag-personalized-(fixed-256-tokens), mopa-merge")
    assert [s.label for s in by_slug] == ["RAG-Personalized (fixed 256 tokens)", "MoPA merge"]
    # Every system of a preset: one per registered aggregator.
    assert len(resolve_systems(aggregators, None, "rag-mopa")) == len(aggregator_names())
    # A label holding a comma is one name.
    depth = resolve_systems(EXPERIMENTS["depth"], None, "RAG MoPA (fusion, drafts refinement),rag")
    assert [s.label for s in depth] == ["RAG-Personalized", "RAG MoPA (fusion, drafts refinement)"]
    with pytest.raises(ValueError) as refused:
        resolve_systems(aggregators, None, "copy-latest,MoPA fusoin,nope")
    message = str(refused.value)
    assert "named 'MoPA fusoin', 'nope';" in message
    assert "by preset (copy-latest, rag, rag-mopa)" in message and "'MoPA concat'" in message


def test_an_unknown_system_exits_2_with_one_line_before_anything_is_written(tmp_path, capsys):
    from mopa.cli import main

    out = tmp_path / "exp"
    assert main(["experiment", "aggregators", "--data", "demo:product_review", "--lm", "fake",
                 "--systems", "copy-latest,RAG-Personalized,MoPA fusoin", "--no-progress",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mopa: error: --systems ") and err.count("\n") == 1
    assert "'MoPA fusoin'" in err and not out.exists()
