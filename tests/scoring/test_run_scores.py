"""One scoring path: every reader of a run directory gets run_metrics' numbers."""

import json
from statistics import fmean
from types import SimpleNamespace

import pytest

from mopa.cli import main
from mopa.data import load, select
from mopa.experiments.compare import compare_systems
from mopa.optimizers import report
from mopa.optimizers.compile_scores import section
from mopa.programs import ProgramConfig
from mopa.runs.store import RunStore
from mopa.scoring.metrics import score_pairs
from mopa.scoring.registry import parse_metrics
from mopa.scoring.run_scores import RunScores, aggregate, final_text, output_text, run_metrics
from tests.toy_metric import TOY, words

DATA = "demo:product_review"
N = 4


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run directories of a MoPA, rag and copy-latest on the same examples."""
    root = tmp_path_factory.mktemp("runs")
    flags = {"mopa": ["planner-mopa", "--agents", "2", "--layers", "3"],
             "rag": ["rag"], "copy-latest": ["copy-latest"]}
    for name, program in flags.items():
        assert main(["run", "--data", DATA, "--program", *program, "--lm", "fake", "--limit",
                     str(N), "--out", str(root / name), "--no-progress"]) == 0
    return root


@pytest.fixture(scope="module")
def examples():
    return select(load(DATA), N)


def _metrics(examples, run_dir):
    return run_metrics(examples, RunStore.read(run_dir))


def test_skipped_layers_score_their_recorded_output_and_the_mean_depth_is_reported(examples):
    a, b = examples[0].output, "a different text altogether"
    records = {examples[0].id: {"raw_prediction": b, "depth": 1, "layers": [
                   {"output": b}, {"output": b, "skipped": True}]},
               examples[1].id: {"raw_prediction": a, "depth": 2, "layers": [
                   {"output": b}, {"output": a}]}}
    scores = RunScores(examples[:2], records, metrics=parse_metrics("rouge1,rougeL,meteor"))
    assert scores.layers[1] == score_pairs([b, a], [ex.output for ex in examples[:2]])
    assert scores.per_example["depth"] == 1.5
    assert "depth" not in RunScores(examples[:2], {}).per_example  # records without depth


def test_a_mopa_run_reports_its_depth_and_a_single_agent_run_none(examples, runs):
    metrics = _metrics(examples, runs / "mopa")
    assert len(metrics["layers"]) == 3 and metrics["per_example"]["depth"] == 3
    assert "depth" not in _metrics(examples, runs / "rag")["per_example"]


def test_compile_report_and_experiments_give_run_metrics_numbers(examples, runs, tmp_path):
    mopa, rag, copy = (_metrics(examples, runs / n) for n in ("mopa", "rag", "copy-latest"))
    assert copy["final"] == mopa["copy_latest"]  # the program and the baseline agree

    compiled = section("val", examples, runs / "rag", runs / "mopa", clean=True)
    assert (compiled["before"], compiled["after"]) == (rag["final"], mopa["final"])
    assert compiled["copy_latest"] == mopa["copy_latest"]
    assert compiled["after_vs_copy_latest"] == mopa["vs_copy_latest"]

    trial = SimpleNamespace(number=0, params={}, user_attrs={
        "run_dir": str(runs / "mopa"), "config": json.loads(
            (runs / "mopa" / "run.json").read_text())["config"]})
    # The report runs no LM unasked: its rag baseline is run here, as --run-missing would.
    report.baseline_run(ProgramConfig.from_dict(trial.user_attrs["config"]),
                        report._run_settings(runs / "mopa"), examples, tmp_path).run()
    [row] = report.trial_rows([trial], [runs / "mopa"], examples, tmp_path)
    assert row["final"] == mopa["final"]
    assert row["vs"]["copy-latest"] == mopa["vs_copy_latest"]

    systems = {n: {"config": ProgramConfig.from_dict(json.loads(
        (runs / n / "run.json").read_text())["config"]), "dir": runs / n}
        for n in ("mopa", "rag", "copy-latest")}
    entry = compare_systems(examples, systems, ("rag", "copy-latest"), clean=True)[0]
    assert (entry["n"], entry["failed"], entry["empty"]) == (
        mopa["n"], mopa["failed"], mopa["final"]["empty"])
    assert entry["per_example"] == mopa["per_example"]
    for m in (metric.name for metric in parse_metrics(None)):
        assert entry["metrics"][m]["estimate"] == pytest.approx(mopa["final"][m], rel=1e-12)
        assert [layer[m]["estimate"] for layer in entry["by_layer"]] == pytest.approx(
            [layer[m] for layer in mopa["layers"]], rel=1e-12)
    for m, interval in entry["vs"]["copy-latest"].items():
        assert interval == mopa["vs_copy_latest"][m]
    assert entry["vs"]["rag"] == {m: row["vs"]["rag"][m] for m in entry["vs"]["rag"]}


def test_a_run_scores_any_registered_metric(examples, runs):
    records = RunStore.read(runs / "mopa")
    metrics = run_metrics(examples, records, metrics=[TOY])
    final = [final_text(records[ex.id], True) for ex in examples]
    copy = [output_text(ex.latest_text(), True) for ex in examples]
    assert metrics["final"] == {"toy": pytest.approx(fmean(words(t) for t in final)), "n": N,
                                "empty": sum(1 for t in final if not t.strip())}
    assert metrics["copy_latest"]["toy"] == pytest.approx(fmean(words(t) for t in copy))
    assert [set(layer) for layer in metrics["layers"]] == [{"layer", "toy", "n", "empty"}] * 3
    assert set(metrics["vs_copy_latest"]) == {"toy"}


def test_aggregate_averages_whatever_metrics_the_rows_hold():
    rows = [{"toy": 1.0, "meteor": 0.5, "empty": False}, {"toy": 0.0, "meteor": 0.0,
                                                          "empty": True}]
    assert aggregate(rows) == {"toy": 0.5, "meteor": 0.25, "n": 2, "empty": 1}
    with pytest.raises(ValueError, match="zero rows"):
        aggregate([])
    with pytest.raises(ValueError, match="rows \\[1\\] lack 'meteor'"):
        aggregate([{"meteor": 1.0, "empty": False}, {"rouge1": 1.0, "empty": False}])
