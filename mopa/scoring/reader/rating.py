"""``rating``: does the text's sentiment match the star rating it was written for (1.0 = it does).

Readers mark down generic praise under a one- or two-star rating, and a rant under five stars.
The text's sentiment is the mean VADER compound score of its sentences (VADER: a rule-based
sentiment lexicon for short informal text; per sentence because a long text's compound score
saturates towards +-1). The rating maps to an expected sentiment on the same -1..1 scale, at
half strength (``TARGET_SCALE``): real reviews are milder than the lexicon's extremes (on dev
data the median is about +0.28 for five stars and +0.03 for one). score = 1 - |sentiment -
expected| / 2, so 1.0 on target and 0.25 for full praise under one star.

Not applicable to tasks without a rating (abstracts, posts) or an input whose rating cannot be
read: every text then scores 1.0, the same for all, so it orders nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from statistics import fmean

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from mopa.data import Example
from mopa.scoring.reader._text import is_degenerate, sentences
from mopa.scoring.registry import Metric, register

RATING_FIELD = "overall"
RATING_RANGE = (1.0, 5.0)
TARGET_SCALE = 0.5
NOT_APPLICABLE = 1.0


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()  # reads its lexicon file once


def sentiment(text: str) -> float:
    """Mean VADER compound score of the text's sentences, in -1..1."""
    parts = sentences(text) or [text]
    return fmean(_analyzer().polarity_scores(s)["compound"] for s in parts)


def rating_of(example: Example) -> float | None:
    """The star rating the text was asked for, or None when the task or input has none."""
    fields = example.spec.parse_input(example.input) or {}
    try:
        value = float(fields[RATING_FIELD])
    except (KeyError, ValueError):
        return None
    low, high = RATING_RANGE
    return value if low <= value <= high else None


def expected_sentiment(rating: float) -> float:
    low, high = RATING_RANGE
    middle, half = (low + high) / 2, (high - low) / 2
    return TARGET_SCALE * (rating - middle) / half


def consistency(text: str, rating: float | None) -> float:
    if is_degenerate(text):
        return 0.0
    if rating is None:
        return NOT_APPLICABLE
    return 1.0 - abs(sentiment(text) - expected_sentiment(rating)) / 2


def score(predictions: Sequence[str], examples: Sequence[Example]) -> list[float]:
    return [consistency(text, rating_of(example))
            for text, example in zip(predictions, examples, strict=True)]


METRIC = register(Metric(
    name="rating",
    label="Rating consistency",
    score=score,
    description="1 - |mean sentence VADER sentiment - expected for the star rating| / 2; "
                "higher = sentiment matches the rating; 1.0 for tasks without a rating; "
                "empty or under 3 words = 0",
    higher_is_better=True,
    uses_reference=False,
))
