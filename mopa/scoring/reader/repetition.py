"""``repetition``: how little a text repeats itself (1.0 = no repetition, 0.0 = all loop).

Readers mark down a text that says the same sentence twice, restates an idea in nearly the same
words or loops on a phrase; small models and stitching aggregators do all three. Two measures,
averaged:

- near-duplicate sentences: the share of sentences most of whose content words (at least
  ``OVERLAP``) already made up one earlier sentence ("I've owned several guitars over the
  years." ... "I've had several guitars over the years.");
- repeated n-grams: the share of the text's word ``NGRAM``-grams that already occurred earlier in
  it, which catches loops inside a sentence and copies across sentence boundaries.

People repeat a few phrases ("I have a"), so an ordinary review scores about 0.95-1.0.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean

from mopa.data import Example
from mopa.scoring.reader._text import content_stems, is_degenerate, sentences, words
from mopa.scoring.registry import Metric, register

OVERLAP = 0.7
NGRAM = 4
# A sentence needs this many content words for its repetition to mean anything ("I love it."
# twice is a loop, but it is also caught by the n-grams when the words around it repeat).
MIN_CONTENT = 2


def duplicate_sentence_share(text: str) -> float:
    """Share of sentences (with ``MIN_CONTENT`` content words) that repeat an earlier one."""
    earlier: list[set[str]] = []
    judged = repeated = 0
    for sentence in sentences(text):
        stems = set(content_stems(sentence))
        if len(stems) < MIN_CONTENT:
            continue
        judged += 1
        if any(len(stems & seen) >= OVERLAP * len(stems) for seen in earlier):
            repeated += 1
        earlier.append(stems)
    return repeated / judged if judged else 0.0


def repeated_ngram_share(text: str, n: int = NGRAM) -> float:
    """Share of the text's word n-grams that occurred earlier in it."""
    tokens = words(text)
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    if not grams:
        return 0.0
    seen: set[tuple[str, ...]] = set()
    repeats = 0
    for gram in grams:
        repeats += gram in seen
        seen.add(gram)
    return repeats / len(grams)


def repetition_score(text: str) -> float:
    if is_degenerate(text):
        return 0.0
    return 1.0 - fmean((duplicate_sentence_share(text), repeated_ngram_share(text)))


def score(predictions: Sequence[str], examples: Sequence[Example]) -> list[float]:
    return [repetition_score(text) for text in predictions]


METRIC = register(Metric(
    name="repetition",
    label="Non-repetition",
    score=score,
    description="1 - mean(share of near-duplicate sentences, share of repeated word 4-grams); "
                "higher = less repetition; empty or under 3 words = 0",
    higher_is_better=True,
    uses_reference=False,
))
