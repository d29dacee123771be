import json

import pytest

from mopa.cli import main
from mopa.costs.budget import SKIPPED, Allowance, Budget, active_budget, spending_limit

PRICED = "fake?price_in=2&price_out=8"
RUN = ["run", "--data", "demo:product_review", "--program", "planner-mopa", "--agents", "2",
       "--layers", "1", "--no-progress", "--lm", PRICED]


def _costs(out):
    lines = (out / "predictions.jsonl").read_text().splitlines()
    return [json.loads(line)["cost_usd"] for line in lines]


def test_an_example_starts_only_while_spend_and_flight_stay_in_budget():
    budget = Budget(1.0)
    assert budget.admit(0.4) and budget.admit(0.4)
    assert not budget.admit(0.4)  # 0.8 in flight + 0.4 would pass 1.0
    budget.finished(0.4, 0.1)
    assert budget.admit(0.4)  # spent 0.1, in flight 0.8
    assert budget.skipped == 1 and budget.next_cost == 0.4


def test_an_allowance_expects_the_mean_actual_cost_once_examples_finished():
    saved = []
    allowance = Allowance(Budget(1.0), prior=0.6)
    first = allowance.gate(lambda: {"cost_usd": 0.2})()
    allowance.save(first, saved.append)
    assert allowance.expected() == 0.2 and saved == [{"cost_usd": 0.2}]
    for _ in range(4):
        allowance.save(allowance.gate(lambda: {"cost_usd": 0.2})(), saved.append)
    assert allowance.gate(lambda: {"cost_usd": 0.2})() is SKIPPED  # 1.0 spent


def test_one_budget_covers_a_command_and_counts_a_directory_once(tmp_path):
    with spending_limit(2.0) as budget:
        with spending_limit(None) as inner:
            assert inner is budget is active_budget()
        budget.count_recorded(tmp_path, [{"cost_usd": 0.5}, {"cost_usd": None}])
        budget.count_recorded(tmp_path, [{"cost_usd": 0.5}])
        assert budget.spent == 0.5
    assert active_budget() is None


def test_max_cost_stops_within_one_examples_cost_and_a_higher_budget_resumes(tmp_path,
                                                                            capsys):
    out = tmp_path / "run"
    limit = 0.02
    assert main([*RUN, "--out", str(out), "--max-cost", str(limit)]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines()
              if line.startswith("mopa: error:")]
    assert len(errors) == 1 and f"--max-cost ${limit:g} reached" in errors[0]
    assert "rerun the same command with a higher --max-cost" in errors[0]
    costs = _costs(out)
    assert 0 < len(costs) < 12
    assert sum(costs) <= limit and limit - sum(costs) < max(costs) * 1.5

    # The same budget is spent already: nothing new starts.
    assert main([*RUN, "--out", str(out), "--max-cost", str(limit)]) == 2
    assert len(_costs(out)) == len(costs)
    # A higher one goes on where it stopped, rerunning nothing.
    assert main([*RUN, "--out", str(out), "--max-cost", "1"]) == 0
    assert len(_costs(out)) == 12


def test_max_cost_needs_a_known_price(tmp_path, capsys):
    assert main([*RUN[:-1], "openai/my-alias", "--api-base", "http://127.0.0.1:9/v1",
                 "--out", str(tmp_path / "run"), "--max-cost", "1"]) == 2
    err = capsys.readouterr().err
    assert "--max-cost: price unknown for openai/my-alias" in err
    assert not (tmp_path / "run" / "predictions.jsonl").exists()


@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_budget_must_be_positive(tmp_path, capsys, value):
    assert main([*RUN, "--out", str(tmp_path / "run"), "--max-cost", value]) == 2
    assert "--max-cost" in capsys.readouterr().err
