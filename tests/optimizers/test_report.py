import json
from pathlib import Path

import pytest
from mlflow import MlflowClient

from mopa.optimizers.report import report
from mopa.optimizers.search_space import space_from_flags
from mopa.optimizers.settings import StudySettings, TuneSettings
from mopa.optimizers.tune import tune
from mopa.runs.settings import DataSettings, MetricSettings, RunSettings, TrackingSettings
from mopa.runs.store import RunStore
from mopa.scoring.judge_settings import JudgeSettings
from tests.toy_metric import TOY


def _study(tmp_path, test_limit=None):
    return StudySettings("rep", f"sqlite:///{tmp_path / 'o.db'}", str(tmp_path / "runs"),
                         test_limit=test_limit)


def _tracking(tmp_path):
    return TrackingSettings(f"sqlite:///{tmp_path / 'm.db'}")


def _tune(tmp_path, test_limit=None, selection="first", seed=0, objectives=None):
    return tune(DataSettings("demo:product_review", limit=3, selection=selection, seed=seed),
                RunSettings(lm="fake", progress=False), _study(tmp_path, test_limit),
                TuneSettings(trials=3, objectives=objectives),
                space_from_flags(presets="planner-mopa,rag-mopa", agents="1-2", layers="1-2"),
                tracking_settings=_tracking(tmp_path))


def _report(tmp_path, top=5, test_limit=None, run_missing=True, scoring=None):
    return report(_study(tmp_path, test_limit), top, _tracking(tmp_path),
                  run_missing=run_missing, scoring=scoring)


def _baseline_matches(row: dict, trial_dir) -> bool:
    trial = json.loads((trial_dir / "run.json").read_text())
    rag = json.loads((Path(row["baseline_dir"]) / "run.json").read_text())
    same = ("temperature", "k", "max_words", "lm", "max_tokens", "data", "limit")
    return (rag["config"]["preset"] == "rag" and all(rag[k] == trial[k] for k in same)
            and rag["config"]["length_factor"] == trial["config"]["length_factor"])


def test_report_compares_best_trials_with_rag_and_copy_latest(tmp_path, capsys):
    result = _tune(tmp_path)
    out = _report(tmp_path, top=2)
    rows = out["selection"]["rows"]
    assert len(rows) == 2 and rows[0]["final"]["meteor"] >= rows[1]["final"]["meteor"]
    assert rows[0]["trial"] == result["best"]["number"]
    assert set(rows[0]["vs"]) == {"rag", "copy-latest"}
    for row in rows:  # rag ran with the trial's own run settings and length policy
        assert _baseline_matches(row, tmp_path / "runs" / "rep" / f"trial-{row['trial']}")
    assert len({r["baseline_dir"] for r in rows}) == 2  # each trial sampled its temperature
    names = {p.split("/")[-1] for p in out["figures"]}
    assert {"history.png", "agents_depth.png"} <= names
    saved = json.loads((tmp_path / "runs" / "rep" / "report" / "best_trials.json").read_text())
    assert saved["selection"]["rows"][0]["vs"]["copy-latest"]["meteor"]["n"] == 3
    assert out["test"] is None and saved["test"] is None
    printed = capsys.readouterr().out
    assert "selection (the examples that chose the winner: optimistic)" in printed
    assert "No test selection: every number above is a selection number" in printed
    assert "CIs are optimistic" in printed and "--test-limit N" in printed

    client = MlflowClient(f"sqlite:///{tmp_path / 'm.db'}")
    artifacts = {a.path for a in client.list_artifacts(result["parent_run_id"])}
    assert {"best_trials.md", "history.png", "agents_depth.png"} <= artifacts


def test_report_rescores_the_best_trials_on_held_out_examples(tmp_path, capsys):
    _tune(tmp_path, test_limit=4, selection="random", seed=1)
    out = _report(tmp_path, top=2)
    runs = tmp_path / "runs" / "rep"
    trial_ids = set().union(*(RunStore.read(d) for d in runs.glob("trial-*")))
    assert len(trial_ids) == 3
    selection, test = out["selection"], out["test"]
    assert [r["trial"] for r in test["rows"]] == [r["trial"] for r in selection["rows"]]
    for row in test["rows"]:
        test_ids = set(RunStore.read(runs / "test" / f"trial-{row['trial']}"))
        assert len(test_ids) == 4 and not test_ids & trial_ids
        assert row["final"]["n"] == 4 and row["vs"]["rag"]["meteor"]["n"] == 4
        assert row["vs"]["copy-latest"]["rougeL"]["n"] == 4
        assert _baseline_matches(row, runs / f"trial-{row['trial']}")
        # the trial re-ran with its own run settings (tune searched them)
        assert _baseline_matches(row, runs / "test" / f"trial-{row['trial']}")
        assert set(RunStore.read(row["baseline_dir"])) == test_ids
    assert test["ids"] == sorted(test_ids, key=test["ids"].index) and len(test["ids"]) == 4
    assert selection["rows"][0]["vs"]["rag"]["meteor"]["n"] == 3

    printed = capsys.readouterr().out
    first = printed.index("selection (the examples that chose the winner: optimistic)")
    assert first < printed.index("test (held out)")
    assert "No test selection" not in printed
    saved = (runs / "report" / "best_trials.md").read_text()
    assert "## selection (the examples" in saved and "## test (held out)" in saved


def test_report_flags_record_a_test_selection_later_reports_reuse(tmp_path):
    _tune(tmp_path)
    first = _report(tmp_path, top=1, test_limit=3)
    assert len(first["test"]["ids"]) == 3
    again = _report(tmp_path, top=1)
    assert again["test"]["ids"] == first["test"]["ids"]
    assert again["test"]["rows"][0]["final"] == first["test"]["rows"][0]["final"]


def test_multi_objective_report_draws_the_pareto_front(tmp_path):
    _tune(tmp_path, objectives="meteor,lm_calls")
    out = _report(tmp_path)
    assert any(f.endswith("pareto.png") for f in out["figures"])


def test_a_reader_and_meteor_study_is_reported_plotted_and_judged_on_held_out_examples(
        tmp_path, capsys):
    _tune(tmp_path, objectives="reader,meteor")
    with pytest.raises(ValueError, match="metric 'judge' scores with a judge LM and none is "
                                         "configured; pass --judge-lm SPEC"):
        _report(tmp_path, scoring=MetricSettings(metrics="judge"))
    judged = MetricSettings(metrics="judge", judge=JudgeSettings(judge_lm="fake"))
    out = _report(tmp_path, top=2, test_limit=3, scoring=judged)
    assert {"pareto.png", "agents_depth.png", "history.png"} <= {
        Path(f).name for f in out["figures"]}
    for section in ("selection", "test"):
        row = out[section]["rows"][0]
        assert {"reader", "meteor", "rougeL", "judge"} <= set(row["final"])
        assert {"reader", "judge"} <= set(row["vs"]["rag"])
    # Each top trial and its rag baseline on both tables, and copy-latest on each.
    assert out["judge_usage"]["judgments"] > 0 and out["judge_usage"]["failures"] == 0
    printed = capsys.readouterr().out
    assert "| Reader |" in printed and "| Judge (coherence + fit) |" in printed


def test_a_study_tuned_on_the_mean_metric_is_reported_and_plotted(tmp_path):
    _tune(tmp_path, objectives="mean")
    out = _report(tmp_path)
    assert any(f.endswith("agents_depth.png") for f in out["figures"])


def test_a_study_tuned_on_a_registered_metric_ranks_reports_and_plots_by_it(tmp_path, capsys):
    _tune(tmp_path, objectives=TOY.name)
    out = _report(tmp_path, top=2)
    rows = out["selection"]["rows"]
    assert rows[0]["final"]["toy"] <= rows[1]["final"]["toy"]  # lower is better: first
    assert {"toy", "meteor"} <= set(rows[0]["ci"]) and "toy" in rows[0]["vs"]["copy-latest"]
    assert "toy" in rows[0]["references"]["rag"]  # the figures' reference lines
    assert any(f.endswith("agents_depth.png") for f in out["figures"])
    assert f"| {TOY.label} |" in capsys.readouterr().out


def test_report_runs_no_lm_unless_asked_and_says_what_is_missing(tmp_path, capsys):
    _tune(tmp_path, test_limit=2)
    runs = tmp_path / "runs" / "rep"
    capsys.readouterr()
    out = _report(tmp_path, top=1, run_missing=False)
    assert not list(runs.glob("baseline-*")) and not (runs / "test").exists()
    row = out["selection"]["rows"][0]
    assert set(row["vs"]) == {"copy-latest"} and "rag" not in row["references"]
    assert out["test"]["rows"] == []
    printed = capsys.readouterr().out
    assert "| missing |" in printed and "--run-missing" in printed
    assert "rag baseline" in printed and "trial " in printed and "LM calls" in printed

    _report(tmp_path, top=1, run_missing=True)
    estimate = capsys.readouterr().err
    assert "running 3 missing run(s)" in estimate and "total: ~" in estimate
    again = _report(tmp_path, top=1, run_missing=False)  # reused from disk: nothing missing
    assert set(again["selection"]["rows"][0]["vs"]) == {"rag", "copy-latest"}
    assert again["missing"] is None and len(again["test"]["rows"]) == 1
    assert "Missing runs" not in capsys.readouterr().out


def test_trials_recorded_before_their_objective_was_a_metric_plot_optunas_value():
    from types import SimpleNamespace

    from mopa.optimizers.report_plots import agents_depth

    old = SimpleNamespace(number=0, values=[0.25], user_attrs={
        "config": {"agents": [{}, {}]}, "final": {"meteor": 0.1},
        "layers": [{"layer": 1, "meteor": 0.1}]})
    fig = agents_depth([old], "mean", [], {})
    by_agents, by_depth = fig.axes
    assert list(by_agents.collections[0].get_offsets()[0]) == [2, 0.25]
    assert len(by_depth.lines[0].get_xdata()) == 0  # no layer recorded it
