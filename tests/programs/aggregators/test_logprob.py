"""likelihood and contrast: drafts scored with an LM's token log-probabilities."""

from types import SimpleNamespace

import dspy
import pytest

from mopa.lm import fake_lm
from mopa.programs.aggregators import get_aggregator
from mopa.programs.config import ProgramConfig


def word_scorer(context: str, text: str) -> list[float]:
    # A stand-in LM: a token is likely when the context contains it.
    seen = set(context.lower().split())
    return [0.0 if w.lower() in seen else -5.0 for w in text.split()]


DRAFTS = ["The tuner is accurate and the display is bright.",
          "Accurate tuner, bright display, and it holds its tuning well on stage.",
          "I like pizza."]
SCORING_LM = SimpleNamespace(model="word-scorer",
                             engine=SimpleNamespace(token_logprobs=word_scorer))


def pick(name, drafts, context):
    aggregator = get_aggregator(name)(ProgramConfig("rag-mopa", aggregator=name))
    with dspy.context(lm=SCORING_LM):
        return aggregator.aggregate(drafts, context)


def test_likelihood_prefers_the_draft_the_context_predicts(context):
    ctx = context("Rating: 5.0. Review: accurate tuner, bright display, holds its tuning on "
                  "stage.")
    chosen = pick("likelihood", DRAFTS, ctx)
    assert chosen.choice == 1 and chosen.output == DRAFTS[1]
    assert chosen.scores[2] == -5.0


def test_contrast_removes_what_the_query_alone_predicts(context):
    # Draft 1 is generic (all its words are in the query); draft 2 is about this user's words.
    drafts = ["great tuner", "loud stompbox tuner"]
    ctx = context(profile="loud stompbox", query="great tuner")
    assert pick("likelihood", drafts, ctx).choice == 0
    chosen = pick("contrast", drafts, ctx)
    assert chosen.choice == 1
    # The context's cue ("Review:") is not a draft word: only the profile changes the scores.
    assert chosen.record()["choice"] == {"chosen": 2, "scores": [0.0, round(10 / 3, 4)]}


def test_scoring_aggregators_declare_their_lm_and_the_fake_lm_scores(context):
    assert all(get_aggregator(n).scores_with_lm for n in ("likelihood", "contrast"))
    aggregator = get_aggregator("contrast")(ProgramConfig("rag-mopa", aggregator="contrast"))
    with dspy.context(lm=fake_lm()):
        chosen = aggregator.aggregate(DRAFTS, context("Solid stand."))
    assert chosen.output in DRAFTS and len(chosen.scores) == 3


def test_a_chat_lm_cannot_score(context):
    aggregator = get_aggregator("likelihood")(ProgramConfig("rag-mopa", aggregator="likelihood"))
    with dspy.context(lm=SimpleNamespace(model="openai/gpt-4o")), pytest.raises(
            ValueError, match="likelihood aggregator scores drafts.*openai/gpt-4o"):
        aggregator.aggregate(DRAFTS, context())
