"""tune's objectives: any registered metric, in its direction; Pareto studies; LMs checked first."""

import json
from pathlib import Path

import optuna
import pytest

from mopa.optimizers.tune import parse_objectives
from mopa.runs.settings import MetricSettings
from mopa.scoring.judge_settings import JudgeSettings
from tests.optimizers.tuning import load_study, mlflow_runs, run_tune
from tests.toy_metric import words

optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_two_objectives_give_a_pareto_front(kwargs):
    result = run_tune(trials=5, objectives="meteor,lm_calls", **kwargs)
    study = load_study(kwargs)
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MINIMIZE"]
    front = result["pareto_front"]
    assert front and {t["number"] for t in front} == {t.number for t in study.best_trials}
    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    for member in front:
        meteor, calls = member["values"]["meteor"], member["values"]["lm_calls"]
        trial = next(t for t in complete if t.number == member["number"])
        assert calls == trial.user_attrs["per_example"]["lm_calls"]
        assert not any(t.values[0] >= meteor and t.values[1] <= calls
                       and (t.values[0] > meteor or t.values[1] < calls) for t in complete)
    _, parents, _ = mlflow_runs(kwargs)
    assert parents[0].data.tags["pareto_front"] == ",".join(str(t["number"]) for t in front)


def test_a_registered_metric_is_an_objective_in_its_direction(kwargs):
    result = run_tune(trials=2, objectives="toy,meteor", **kwargs)
    study = load_study(kwargs)
    assert [d.name for d in study.directions] == ["MINIMIZE", "MAXIMIZE"]  # toy: lower wins
    _, _, children = mlflow_runs(kwargs)
    logged = {int(c.data.tags["optuna.trial_number"]): c.data.metrics for c in children}
    for t in (t for t in study.trials if t.state.name == "COMPLETE"):
        records = [json.loads(line) for line in (Path(t.user_attrs["run_dir"])
                                                  / "predictions.jsonl").read_text().splitlines()]
        toy = sum(words(r["prediction"]) for r in records) / len(records)
        assert t.values[0] == pytest.approx(toy) == t.user_attrs["final"]["toy"]
        assert logged[t.number]["toy"] == pytest.approx(toy)  # MLflow reads the registry too
        assert {"toy", "rouge1", "rougeL", "meteor"} <= set(t.user_attrs["final"])
    assert result["objectives"] == ["toy", "meteor"]


def test_resuming_with_other_objectives_is_refused(kwargs):
    run_tune(trials=0, **kwargs)
    with pytest.raises(ValueError, match=r"optimizes \['meteor'\].*\['meteor', 'lm_calls'\]"):
        run_tune(trials=0, objectives="meteor,lm_calls", **kwargs)


def test_objectives_are_checked():
    assert parse_objectives("rougeL", None) == ["rougeL"]
    assert parse_objectives("meteor", "mean,lm_calls") == ["mean", "lm_calls"]
    assert parse_objectives("meteor", "toy") == ["toy"]  # any registered metric
    with pytest.raises(ValueError, match="got 'meteor,latency'"):
        parse_objectives("meteor", "meteor,latency")
    assert parse_objectives("meteor", "toy_judge") == ["toy_judge"]  # its LM: checked by tune


def test_an_objective_whose_lm_is_not_given_is_refused_before_the_study_opens(kwargs):
    with pytest.raises(ValueError, match="metric 'judge' scores with a judge LM and none is "
                                         "configured; pass --judge-lm SPEC"):
        run_tune(trials=1, objectives="judge,meteor", **kwargs)
    with pytest.raises(KeyError):  # nothing was created
        load_study(kwargs)


def test_reader_and_meteor_give_a_pareto_study_and_a_judge_scores_each_trial(kwargs):
    scoring = MetricSettings(metrics="judge", judge=JudgeSettings(judge_lm="fake"))
    result = run_tune(trials=2, objectives="reader,meteor", scoring=scoring, **kwargs)
    study = load_study(kwargs)
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MAXIMIZE"]
    assert result["objectives"] == ["reader", "meteor"] and result["pareto_front"]
    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert len(complete) == 2
    _, _, children = mlflow_runs(kwargs)
    logged = {int(c.data.tags["optuna.trial_number"]): c.data.metrics for c in children}
    for t in complete:
        final = t.user_attrs["final"]
        assert t.values == [final["reader"], final["meteor"]]
        assert 0 < final["reader"] < 1 and 0 <= final["judge"] <= 1
        assert logged[t.number]["reader"] == pytest.approx(final["reader"])
        saved = json.loads((Path(t.user_attrs["run_dir"]) / "metrics.json").read_text())
        # Each trial's own judging (two examples, final and copy-latest), not the running
        # total of the study's one judge.
        assert saved["judge_usage"]["judgments"] == 4
