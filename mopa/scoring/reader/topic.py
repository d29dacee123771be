"""``topic``: does the text address what it was asked to be about (1.0 = every topic word).

The reader's most common complaint about system outputs is the wrong product or an off-topic
text: a review of a microphone under the summary "Little bitty but packs a punch" for an amp, a
past review of a pedalboard copied under "Doesn't cut it for me". The topic is the task input's
header fields other than the rating (a review's summary and product description, an abstract's
title and keywords, a post's topic); the score is the share of their distinct content-word stems
that the text uses ("picks" matches "pick"). Function words and digits do not count.

Not applicable when the input names no topic words (a summary of only function words, custom
data outside the task's template): every text then scores 1.0, so it orders nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from mopa.data import Example
from mopa.scoring.reader._text import content_stems, is_degenerate
from mopa.scoring.registry import Metric, register

# Not what the text is about: how it was rated.
NOT_TOPIC_FIELDS = frozenset({"overall"})
NOT_APPLICABLE = 1.0


def topic_stems(example: Example) -> set[str]:
    fields = example.spec.parse_input(example.input) or {}
    return {s for key, value in fields.items() if key not in NOT_TOPIC_FIELDS
            for s in content_stems(value)}


def coverage(text: str, topic: set[str]) -> float:
    if is_degenerate(text):
        return 0.0
    if not topic:
        return NOT_APPLICABLE
    return len(topic & set(content_stems(text))) / len(topic)


def score(predictions: Sequence[str], examples: Sequence[Example]) -> list[float]:
    return [coverage(text, topic_stems(example))
            for text, example in zip(predictions, examples, strict=True)]


METRIC = register(Metric(
    name="topic",
    label="On topic",
    score=score,
    description="share of the summary's/title's content-word stems the text uses; higher = "
                "more on topic; 1.0 when the input names no topic words; empty or under 3 "
                "words = 0",
    higher_is_better=True,
    uses_reference=False,
))
