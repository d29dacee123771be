import pytest

from mopa.costs.prices import (
    FREE,
    Price,
    price_of_model,
    price_of_spec,
    price_table,
    usage_cost,
)
from mopa.lm import fake_lm
from mopa.lm.factory import make_lm
from mopa.lm.fake_faults import parse_fake_spec


def test_api_prices_come_from_litellms_bundled_table():
    entry = price_table()["gpt-4o"]
    price = price_of_spec("openai/gpt-4o@0.3")
    assert price == Price(entry["input_cost_per_token"], entry["output_cost_per_token"],
                          entry["cache_read_input_token_cost"])
    assert price_of_spec("text:openai/gpt-4o") == price


def test_an_unknown_model_has_no_price_rather_than_a_guess():
    assert price_of_spec("openai/my-own-alias") is None
    assert usage_cost("openai/my-own-alias", {"prompt_tokens": 10}) is None


def test_in_process_lms_are_free_unless_the_fake_is_given_a_price():
    assert price_of_spec("embedded") == FREE and price_of_spec("fake?latency=0.1") == FREE
    assert price_of_spec("fake?price_in=2&price_out=8") == Price(2e-6, 8e-6)
    assert price_of_model("local/gemma-3-270m") == FREE


def test_a_priced_fake_carries_its_price_in_its_model_name():
    lm = make_lm("fake?price_in=2&price_out=8")
    assert price_of_model(lm.model) == Price(2e-6, 8e-6)
    assert fake_lm().model == "local/fake"  # unpriced: unchanged


def test_usage_cost_bills_cached_prompt_tokens_at_the_cache_rate():
    price = price_of_spec("openai/gpt-4o")
    usage = {"prompt_tokens": 1000, "completion_tokens": 100,
             "prompt_tokens_details": {"cached_tokens": 400}}
    assert usage_cost("openai/gpt-4o", usage) == pytest.approx(
        600 * price.input + 400 * price.cached_input + 100 * price.output)


@pytest.mark.parametrize("spec", ["fake?price_in=-1", "fake?price_out=x"])
def test_a_bad_fake_price_is_refused(spec):
    with pytest.raises(ValueError, match="dollars per million tokens"):
        parse_fake_spec(spec)
