"""mopa.scoring.reader.style: closeness to this user's past texts, against other users'."""

from __future__ import annotations

import pytest

from mopa.data import Example
from mopa.scoring.registry import get_metric
from mopa.scoring.stylometry import WORST, Background

CASUAL = [
    "lol i love this thing!!! my kid plays it all day and honestly its the best... 10/10",
    "ok so i got this for my bro and he is obsessed!!! super cheap too lol",
    "honestly i did not expect much but wow!!! works great and my kid loves it... buy it",
    "lol this thing is so loud!!! i love it, my bro loves it, everyone loves it...",
]
FORMAL = [
    "The construction is adequate; however, the finish exhibits minor imperfections. "
    "Overall, it represents reasonable value for its price.",
    "This unit performs as described. Furthermore, the documentation is thorough; "
    "installation required approximately ten minutes.",
    "The tuner is accurate; nevertheless, its display is difficult to read in sunlight. "
    "Consequently, I would recommend it only for indoor use.",
    "Delivery was prompt. The product, however, arrived with a damaged case; the seller "
    "replaced it without objection.",
]
LIKE_CASUAL = "lol my bro got me this and i love it!!! honestly so good... my kid wants one too"
LIKE_FORMAL = ("The cable is well made; however, the connectors are somewhat loose. "
               "Furthermore, the sleeve is thinner than described.")


def example(user: str, texts: list[str]) -> Example:
    profile = tuple({"reviewText": t, "overall": "5.0", "summary": "ok", "description": ""}
                    for t in texts)
    return Example(id=f"{user}-1", user_id=user, task="product_review",
                   input="Generate the review text.", output="unused", profile=profile)


@pytest.fixture
def style():
    return get_metric("style")


def test_registered_as_a_profile_metric_without_reference(style):
    assert (style.uses_profile, style.uses_reference, style.lm_role) == (True, False, None)
    assert style.higher_is_better


def test_text_like_the_user_scores_above_text_like_another_user(style):
    casual, formal = example("casual", CASUAL), example("formal", FORMAL)
    scores = style.score_batch([LIKE_CASUAL, LIKE_FORMAL, LIKE_CASUAL, LIKE_FORMAL],
                               [casual, casual, formal, formal])
    assert scores[0] > scores[1]
    assert scores[3] > scores[2]


def test_a_batch_of_one_user_falls_back_and_still_ranks(style):
    casual = example("casual", CASUAL)
    own, other = style.score_batch([LIKE_CASUAL, LIKE_FORMAL], [casual, casual])
    assert own > other
    alone = style.score_one(LIKE_CASUAL, casual)
    assert alone == pytest.approx(own)
    assert -1.0 <= alone <= 1.0


def test_a_score_does_not_depend_on_the_rest_of_the_batch(style):
    casual, formal = example("casual", CASUAL), example("formal", FORMAL)
    in_batch = style.score_batch([LIKE_CASUAL, LIKE_FORMAL], [casual, formal])
    alone = [style.score_one(LIKE_CASUAL, casual), style.score_one(LIKE_FORMAL, formal)]
    assert in_batch == alone


@pytest.mark.parametrize("degenerate", ["", "   ", "... !!! 123"])
def test_a_text_without_words_scores_worst(style, degenerate):
    casual, formal = example("casual", CASUAL), example("formal", FORMAL)
    scores = style.score_batch([degenerate, LIKE_CASUAL, LIKE_FORMAL], [casual] * 3)
    assert scores[0] == WORST < min(scores[1:])
    paired = style.score_batch([degenerate, LIKE_FORMAL], [casual, formal])
    assert paired[0] == WORST < paired[1]


def test_a_user_without_past_texts_gets_no_evidence_either_way(style):
    empty = example("new", [])
    assert style.score_batch([LIKE_CASUAL], [empty]) == [0.0]
    mixed = style.score_batch([LIKE_CASUAL, LIKE_CASUAL],
                              [empty, example("casual", CASUAL)])
    assert mixed[0] == 0.0 and mixed[1] > 0.0


def test_background_without_words_is_refused_with_what_it_got():
    with pytest.raises(ValueError, match="2 document"):
        Background(["", "!!!"])
