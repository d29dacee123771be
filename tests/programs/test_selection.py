"""Choosing a layer's output among its drafts, with the scores behind each choice."""

import pytest

from mopa.programs import selection

DRAFTS = [
    "The tuner is accurate and the display is bright.",
    "Accurate tuner, bright display, and it holds its tuning well on stage.",
    "I like pizza.",
]


@pytest.mark.parametrize("metric", selection.SIMILARITIES)
def test_consensus_picks_the_draft_the_others_agree_with(metric):
    drafts = ["accurate tuner with a bright display",
              "accurate tuner, bright display, holds its tuning on stage",
              "it holds its tuning on stage",
              "I like pizza"]
    choice = selection.consensus(drafts, metric)
    assert choice.index == 1 and len(choice.scores) == 4
    assert choice.scores[3] == min(choice.scores)


def test_consensus_of_one_draft_is_that_draft():
    assert selection.consensus(["only"]).index == 0


def test_unknown_similarity_names_the_choices():
    with pytest.raises(ValueError, match="meteor, rougeL"):
        selection.consensus(DRAFTS, "bleu")


def test_longest_and_ties_go_to_the_first():
    assert selection.longest(DRAFTS).index == 1
    assert selection.longest(["a b", "c d"]).index == 0


def _word_scorer(context: str, text: str) -> list[float]:
    # A stand-in LM: a token is likely when the context contains it.
    seen = set(context.lower().split())
    return [0.0 if w.lower() in seen else -5.0 for w in text.split()]


def test_likelihood_prefers_the_draft_the_context_predicts():
    context = "Rating: 5.0. Review: accurate tuner, bright display, holds its tuning on stage."
    choice = selection.likelihood(DRAFTS, _word_scorer, context)
    assert choice.index == 1
    assert choice.scores[2] == -5.0


def test_contrast_removes_what_the_query_alone_predicts():
    # Draft 1 is generic (all its words are in the query); draft 2 is about this user's words.
    drafts = ["great tuner", "loud stompbox tuner"]
    with_user = "great tuner loud stompbox"
    query_only = "great tuner"
    assert selection.likelihood(drafts, _word_scorer, with_user).index == 0
    choice = selection.contrast(drafts, _word_scorer, with_user, query_only)
    assert choice.index == 1
    assert choice.as_dict() == {"chosen": 2, "scores": [0.0, round(10 / 3, 4)]}


FUSION_DRAFTS = [
    "The tuner is accurate. It clips on easily.",
    "Accurate tuner. The display is bright on stage. It clips on easily.",
    "The display is bright on stage. Battery life is long.",
    "I like pizza. Pizza is great food for everyone.",
]


def test_fusion_extends_the_consensus_draft_with_supported_new_sentences():
    text, base = selection.fusion(FUSION_DRAFTS, target_words=16, metric="rougeL")
    assert text.startswith(FUSION_DRAFTS[base.index])
    assert "Pizza" not in text  # no other draft supports it
    assert text.count("clips on easily") == 1  # said already: not repeated
    assert len(text.split()) >= 16 or "Battery" in text


def test_fusion_without_a_target_or_already_long_is_the_consensus_draft():
    base = selection.consensus(FUSION_DRAFTS).index
    assert selection.fusion(FUSION_DRAFTS, None)[0] == FUSION_DRAFTS[base]
    assert selection.fusion(FUSION_DRAFTS, 3)[0] == FUSION_DRAFTS[base]


def test_concat_appends_sentences_in_order_up_to_the_target():
    text, _ = selection.concat(FUSION_DRAFTS, target_words=10)
    assert text == "The tuner is accurate. It clips on easily. Accurate tuner."
