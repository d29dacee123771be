"""Defaults that depend on the LM, and the length policy being on by default."""

from mopa.programs import ProgramChoice
from mopa.programs.config import ProgramOptions
from mopa.runs.settings import RunSettings


def test_the_aggregator_suits_the_lm_unless_one_is_chosen():
    choice = ProgramChoice(preset="rag-mopa", agents=2, layers=1)
    assert choice.config("product_review", base_model=True).aggregator == "reader"
    assert choice.config("product_review", base_model=False).aggregator == "merge"
    chosen = ProgramChoice(preset="rag-mopa", agents=2, layers=1,
                           options=ProgramOptions(aggregator="fusion"))
    assert chosen.config("product_review", base_model=True).aggregator == "fusion"


def test_a_base_model_is_the_embedded_one_or_a_text_model():
    assert RunSettings(lm="embedded").base_model
    assert RunSettings(lm="embedded@0.3").base_model
    assert RunSettings(lm="text:my/base-model").base_model
    assert not RunSettings(lm="openai/gpt-4o").base_model
    assert not RunSettings(lm="fake").base_model


def test_every_lm_program_gets_the_length_policy_by_default():
    config = ProgramChoice(preset="rag").config("product_review")
    assert (config.length_factor, config.trim, config.min_length, config.resamples) == (
        1.5, True, 0.3, 2)
