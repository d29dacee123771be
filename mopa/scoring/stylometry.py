"""Stylometric similarity: how much a text reads like one author, against a background of
other authors (cosine Delta).

A text becomes relative frequencies of two kinds of features: the background's most frequent
words (mostly function words, which authors use at steady, personal rates whatever the topic)
and its most frequent character n-grams (punctuation, capitalization, spelling and morphology
habits that word counts miss). Each feature is z-scored by its mean and standard deviation over
the background's documents, so what counts is how an author deviates from the population, and
a text's similarity to an author is the cosine of their z-vectors (Smith & Aldridge's cosine
Delta, the best of the Delta family in Evert et al. 2017), one cosine per feature kind,
averaged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_SPACE = re.compile(r"\s+")
# A feature no background document varies on would divide by zero; this floor keeps it finite
# and near-silent (a relative frequency of 1e-4 is about one word in a long review).
MIN_STD = 1e-4


@dataclass(frozen=True)
class StyleFeatures:
    # Chosen on the dev files by bench/style_separation.py (300/1000/3 to 1000/3000/4 were
    # tried; 500 words and character bigrams separated users best on all three tasks).
    words: int = 500  # most frequent words kept
    chars: int = 1000  # most frequent character n-grams kept
    n: int = 2  # character n-gram length


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def char_ngrams(text: str, n: int) -> list[str]:
    # Case and punctuation kept: "i" for "I", "!!" and "..." are habits of a writer.
    flat = _SPACE.sub(" ", text.strip())
    return [flat[i:i + n] for i in range(len(flat) - n + 1)]


def _kinds(text: str, config: StyleFeatures) -> tuple[list[str], list[str]]:
    return words(text), char_ngrams(text, config.n)


def _frequencies(tokens: Sequence[str], index: dict[str, int]) -> np.ndarray:
    vector = np.zeros(len(index))
    if not tokens:
        return vector
    for token, count in Counter(tokens).items():
        position = index.get(token)
        if position is not None:
            vector[position] = count
    return vector / len(tokens)


def _top(documents: Sequence[list[str]], k: int) -> dict[str, int]:
    """The k features with the highest mean relative frequency, each document weighing the
    same (a long text does not choose the vocabulary); ties broken alphabetically."""
    totals: Counter[str] = Counter()
    for tokens in documents:
        if tokens:
            for token, count in Counter(tokens).items():
                totals[token] += count / len(tokens)
    ranked = sorted(totals, key=lambda t: (-totals[t], t))[:k]
    return {token: i for i, token in enumerate(ranked)}


class Background:
    """Feature vocabularies and their per-document mean and spread over some documents."""

    def __init__(self, documents: Sequence[str], config: StyleFeatures = StyleFeatures()):
        texts = [d for d in documents if words(d)]
        if not texts:
            raise ValueError(f"a style background needs at least one text with words; got "
                             f"{len(documents)} document(s) without any")
        self.config = config
        split = [_kinds(t, config) for t in texts]
        self.index = (_top([w for w, _ in split], config.words),
                      _top([c for _, c in split], config.chars))
        self.mean, self.std = [], []
        for kind, index in enumerate(self.index):
            matrix = np.array([_frequencies(doc[kind], index) for doc in split])
            self.mean.append(matrix.mean(axis=0))
            self.std.append(np.maximum(matrix.std(axis=0), MIN_STD))

    def vectors(self, text: str) -> tuple[np.ndarray, ...] | None:
        """The text's z-scored word and character vectors; None for a text without words."""
        kinds = _kinds(text, self.config)
        if not kinds[0]:
            return None
        return tuple((_frequencies(tokens, index) - mean) / std for tokens, index, mean, std
                     in zip(kinds, self.index, self.mean, self.std, strict=True))


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm > 0 else 0.0


# A text without words is as unlike any author as a cosine can say.
WORST = -1.0

Vectors = tuple[np.ndarray, ...]


def author_vectors(background: Background, texts: Sequence[str]) -> Vectors | None:
    """An author's profile: their texts joined into one, as Delta compares authors."""
    return background.vectors("\n".join(texts))


def cosine_delta(background: Background, text: str, author: Vectors | None) -> float:
    """Cosine Delta between a text and an author's profile, mean over the two feature kinds:
    1 = the same deviations from the background, -1 = opposite ones; ``WORST`` for a text
    without words, 0.0 (no evidence either way) for an author without words."""
    candidate = background.vectors(text)
    if candidate is None:
        return WORST
    if author is None:
        return 0.0
    return float(np.mean([_cosine(c, a) for c, a in zip(candidate, author, strict=True)]))
