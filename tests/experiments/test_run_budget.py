"""An experiment's systems share one --max-cost budget: the spend of one counts for the next."""

import json
from dataclasses import replace

import pytest

from mopa.costs.budget import BudgetReached
from mopa.experiments.run import run_experiment
from mopa.programs import ProgramChoice
from mopa.runs.settings import DataSettings, RunSettings

PRICED = RunSettings(lm="fake?price_in=2&price_out=8", progress=False)


def _spent(root):
    return sum(json.loads(line)["cost_usd"] for path in root.glob("*/predictions.jsonl")
               for line in path.read_text().splitlines())


def test_systems_draw_on_one_budget_and_a_higher_one_resumes(tmp_path):
    data = DataSettings("demo:product_review", limit=4)
    program = ProgramChoice(agents=1, layers=1)
    with pytest.raises(BudgetReached):
        run_experiment("table", data, replace(PRICED, max_cost=0.007),
                       program, out=str(tmp_path), systems="rag,planpers,rag-mopa")
    root = tmp_path / "table"
    assert 0 < _spent(root) <= 0.007
    assert not (root / "results.json").exists()
    results = run_experiment("table", data, replace(PRICED, max_cost=1.0), program,
                             out=str(tmp_path), systems="rag,planpers,rag-mopa")
    assert len(results["systems"]) == 3 and all(s["n"] == 4 for s in results["systems"])
