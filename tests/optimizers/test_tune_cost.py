"""tune minimizes dollars: cost_usd as an objective, beside a metric (METEOR or the reader)."""

from pathlib import Path

import optuna
import pytest

from mopa.costs.budget import BudgetReached
from tests.optimizers.tuning import load_study, mlflow_runs, run_tune

optuna.logging.set_verbosity(optuna.logging.WARNING)

PRICED = "fake?price_in=2&price_out=8"


@pytest.mark.parametrize("metric", ["meteor", "reader"])
def test_cost_usd_is_an_objective_minimized_and_logged(kwargs, metric):
    result = run_tune(trials=2, objectives=f"{metric},cost_usd", **{**kwargs, "lm": PRICED})
    study = load_study(kwargs)
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MINIMIZE"]
    _, _, children = mlflow_runs(kwargs)
    logged = {int(c.data.tags["optuna.trial_number"]): c.data.metrics for c in children}
    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert len(complete) == 2
    for trial in complete:
        cost = trial.user_attrs["per_example"]["cost_usd"]
        assert cost > 0 and trial.values[1] == pytest.approx(cost)
        assert logged[trial.number]["cost_usd"] == pytest.approx(cost)
        assert logged[trial.number]["cost_usd_total"] == pytest.approx(cost * kwargs["limit"])
    assert result["objectives"] == [metric, "cost_usd"]


def test_cost_usd_of_an_lm_without_a_price_is_refused_before_the_study_opens(kwargs):
    with pytest.raises(ValueError, match="cost_usd: price unknown for openai/no-such-model"):
        run_tune(trials=1, objectives="meteor,cost_usd",
                 **{**kwargs, "lm": "openai/no-such-model", "api_base": "http://127.0.0.1:9/v1"})
    assert not Path(kwargs["storage"].removeprefix("sqlite:///")).exists()


def test_max_cost_stops_the_study_queues_its_trial_and_a_higher_budget_resumes(kwargs):
    flags = {**kwargs, "lm": PRICED, "limit": 3, "presets": "rag-mopa", "agents": "1",
             "layers": "1", "aggregators": "longest"}
    with pytest.raises(BudgetReached, match=r"--max-cost \$0.004 reached"):
        run_tune(trials=3, max_cost=0.004, **flags)
    study = load_study(kwargs)
    states = [t.state.name for t in study.trials]
    assert "WAITING" in states and "COMPLETE" not in states[-1:]
    result = run_tune(trials=3, max_cost=1.0, **flags)
    assert result["trials"]["COMPLETE"] >= 1
