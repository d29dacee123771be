import pytest

from mopa.costs.simulate import chat_reply, dry_program, filler, rehearse
from mopa.data import load
from mopa.length import TOKENS_PER_WORD, budget_from_words, median_words
from mopa.programs import make_config

EXAMPLES = load("demo:product_review")[:2]


@pytest.mark.parametrize("lm", ["fake", "openai/gpt-4o", "text:openai/base"])
def test_a_rehearsal_makes_the_programs_planned_calls_on_every_kind_of_lm(lm):
    config = make_config("planner-mopa", "product_review", 2, 2, aggregator="merge")
    usage = rehearse(dry_program(config, lm, 256), EXAMPLES, 4, 100)
    assert list(usage) == [lm]
    # A chat LM's stand-in answers in ChatAdapter's format: no parse failure, no retry call.
    assert usage[lm].calls == config.lm_calls == 7
    assert usage[lm].prompt_tokens > 1000


def test_completions_are_the_length_budget_and_prompts_the_rendered_words():
    config = make_config("rag", "product_review", length_factor=1.5)
    usage = rehearse(dry_program(config, "fake", 256), EXAMPLES[:1], 4, 100)["fake"]
    assert usage.completion_tokens == budget_from_words(median_words(EXAMPLES[0]), 1.5)
    # Without a length factor, the LM's max tokens.
    usage = rehearse(dry_program(make_config("rag", "product_review", length_factor=None),
                                 "fake", 99),
                     EXAMPLES[:1], 4, 100)["fake"]
    assert usage.completion_tokens == 99


def test_each_spec_of_a_program_is_counted_apart():
    config = make_config("planner-mopa", "product_review", 2, 1, aggregator="merge",
                         planner_lm="openai/gpt-4o-mini")
    usage = rehearse(dry_program(config, "fake", 256), EXAMPLES, 4, 100)
    assert usage["openai/gpt-4o-mini"].calls == 1 and usage["fake"].calls == 3


def test_a_scoring_aggregator_on_a_chat_api_is_refused_as_the_real_build_refuses_it():
    config = make_config("rag-mopa", "product_review", 2, 1, aggregator="likelihood")
    with pytest.raises(ValueError, match="log-probabilities"):
        dry_program(config, "openai/gpt-4o", 256)
    assert rehearse(dry_program(config, "fake", 256), EXAMPLES[:1], 4, 100)["fake"].calls == 2


def test_a_rehearsed_program_counts_each_example_set_apart():
    program = dry_program(make_config("rag", "product_review"), "fake", 64)
    first = rehearse(program, EXAMPLES[:1], 4, 100)
    assert rehearse(program, EXAMPLES[:1], 4, 100) == first


def test_fillers_and_chat_replies():
    assert len(filler(round(130 / TOKENS_PER_WORD)).split()) == 100
    prompt = ("... Respond with the corresponding output fields, starting with the field "
              "`[[ ## output ## ]]`, and then ending with the marker for `[[ ## completed ## ]]`.")
    assert chat_reply(prompt, "text") == "[[ ## output ## ]]\ntext\n\n[[ ## completed ## ]]"
