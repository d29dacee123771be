import pytest

from mopa.costs.estimate import estimate, planned_roles, stages
from mopa.costs.prices import price_of_spec
from mopa.data import load
from mopa.programs import make_config

EXAMPLES = load("demo:product_review")[:6]
MOPA = make_config("planner-mopa", "product_review", 2, 2, aggregator="merge")


def test_roles_add_up_to_the_configs_planned_calls():
    assert planned_roles(MOPA) == {"planners": 1, "proposers": 4, "aggregator": 2}
    assert sum(planned_roles(MOPA).values()) == MOPA.lm_calls
    assert planned_roles(make_config("planpers", "product_review")) == {"program": 2}
    assert planned_roles(make_config("copy-latest", "product_review")) == {}
    assert stages(MOPA) == 1 + 2 * 2


def test_dollars_are_the_extrapolated_tokens_at_the_lms_price():
    e = estimate(MOPA, EXAMPLES, "openai/gpt-4o", 256, 4, 100)
    price = price_of_spec("openai/gpt-4o")
    assert e.examples == 6 and e.calls == 6 * 7
    assert e.cost_usd == pytest.approx(e.prompt_tokens * price.input
                                       + e.completion_tokens * price.output)
    assert e.seconds > 0


def test_finished_examples_cost_nothing():
    e = estimate(MOPA, EXAMPLES, "openai/gpt-4o", 256, 4, 100,
                 finished=[ex.id for ex in EXAMPLES[:4]])
    whole = estimate(MOPA, EXAMPLES, "openai/gpt-4o", 256, 4, 100)
    assert (e.examples, e.finished) == (2, 4)
    assert e.cost_usd < whole.cost_usd / 2
    done = estimate(MOPA, EXAMPLES, "openai/gpt-4o", 256, 4, 100,
                    finished=[ex.id for ex in EXAMPLES])
    assert done.examples == 0 and done.cost_usd == 0 and done.calls == 0


def test_an_unknown_price_is_named_and_the_cost_left_unknown():
    e = estimate(MOPA, EXAMPLES, "openai/my-alias", 256, 4, 100)
    assert e.cost_usd is None and e.unknown == ["openai/my-alias"]


def test_wall_time_follows_the_fakes_latency_workers_and_rate_limits():
    slow = estimate(MOPA, EXAMPLES, "fake?latency=0.5", 256, 4, 100, workers=2)
    assert slow.seconds == pytest.approx(3 * stages(MOPA) * 0.5)
    limited = estimate(MOPA, EXAMPLES, "fake?latency=0.5", 256, 4, 100, workers=2, rpm=6)
    assert limited.seconds == pytest.approx(60 * 6 * 7 / 6)
    assert estimate(MOPA, EXAMPLES, "embedded", 256, 4, 100).seconds is None


def test_a_rate_limit_bounds_each_lm_apart():
    config = make_config("planner-mopa", "product_review", 2, 2, aggregator="merge",
                         planner_lm="fake?latency=0.5&seed=1")
    e = estimate(config, EXAMPLES, "fake?latency=0.5", 256, 4, 100, rpm=6)
    assert e.seconds == pytest.approx(60 * 6 * 6 / 6)  # the proposers' LM: 6 calls of 7


def test_identical_prompts_sent_at_once_are_billed_once():
    config = make_config("rag-mopa", "product_review", 3, 1, aggregator="longest")
    each = estimate(config, EXAMPLES, "openai/gpt-4o", 256, 4, 100)
    once = estimate(config, EXAMPLES, "openai/gpt-4o", 256, 4, 100, shared_once=True)
    assert once.calls == each.calls == 6 * 3
    assert once.prompt_tokens == pytest.approx(each.prompt_tokens / 3)
    assert once.completion_tokens == each.completion_tokens
