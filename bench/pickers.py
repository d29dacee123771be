"""Aggregators that pick one draft instead of asking a small base model to merge them.

Each selector sees a `Candidates` (one example's drafts under one length policy, with the
features the selectors need, computed once) and the number n of drafts it may choose from (the
first n, as a MoPA layer with n agents would have), and returns the index of its pick, or None
when the first n drafts are all empty. Empty drafts are never picked (a MoPA layer drops them);
only `first`, which is RAG-Personalized itself, returns draft 1 whatever it holds.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mopa.scoring.metrics import score_pair


@dataclass
class Candidates:
    id: str
    texts: list[str]  # cleaned (and trimmed, under the trim setting) drafts, in rollout order
    user_words: float  # median words of the user's past texts
    lp_profile: list[float | None] = field(default_factory=list)  # mean token log p | profile
    lp_query: list[float | None] = field(default_factory=list)  # mean token log p | query only
    # sim[metric][i][j]: draft i scored as a prediction against draft j as the reference.
    sim: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self):
        self.words = [len(t.split()) for t in self.texts]
        if not self.sim:
            self.sim = pairwise(self.texts)

    def usable(self, n: int) -> list[int]:
        return [i for i in range(min(n, len(self.texts))) if self.texts[i].strip()]


def pairwise(texts: list[str]) -> dict[str, np.ndarray]:
    size = len(texts)
    out = {m: np.zeros((size, size)) for m in ("meteor", "rougeL")}
    for i in range(size):
        for j in range(size):
            if i != j and texts[i].strip() and texts[j].strip():
                row = score_pair(texts[i], texts[j])
                for m in out:
                    out[m][i, j] = row[m]
    return out


def _best(indices: list[int], key: Callable[[int], float]) -> int | None:
    # Ties go to the earliest rollout, so every selector is deterministic.
    return max(indices, key=lambda i: (key(i), -i)) if indices else None


def first(c: Candidates, n: int) -> int | None:
    return 0 if c.texts else None


def pick_random(c: Candidates, n: int) -> int | None:
    usable = c.usable(n)
    return random.Random(f"{c.id}:{n}").choice(usable) if usable else None


def longest(c: Candidates, n: int) -> int | None:
    return _best(c.usable(n), lambda i: c.words[i])


def closest_to_user(c: Candidates, n: int) -> int | None:
    return _best(c.usable(n), lambda i: -abs(c.words[i] - c.user_words))


def consensus(metric: str, among: Callable[[Candidates, list[int]], list[int]] | None = None):
    """Minimum-Bayes-risk pick: the draft with the highest mean similarity to the other
    usable drafts (as a prediction scored against each of them as the reference)."""
    def select(c: Candidates, n: int) -> int | None:
        usable = c.usable(n)
        if len(usable) <= 1:
            return usable[0] if usable else None
        pool = among(c, usable) if among else usable
        return _best(pool, lambda i: np.mean([c.sim[metric][i, j] for j in usable if j != i]))
    return select


def _scored(c: Candidates, n: int, among) -> list[int]:
    usable = [i for i in c.usable(n) if c.lp_profile[i] is not None and c.lp_query[i] is not None]
    return among(c, usable) if among and usable else usable


def likelihood_of(among=None):
    """The draft with the highest mean token log p given the user's retrieved texts."""
    return lambda c, n: _best(_scored(c, n, among), lambda i: c.lp_profile[i])


def contrast_of(among=None):
    """The draft whose mean token log p gains most from the user's texts over the query alone."""
    return lambda c, n: _best(_scored(c, n, among), lambda i: c.lp_profile[i] - c.lp_query[i])


def in_band(low: float = 0.67, high: float = 1.5):
    """Drafts whose length is within [low, high] × the user's median words (all if none is):
    consensus then decides the content, the user's own habit decides the length."""
    def among(c: Candidates, usable: list[int]) -> list[int]:
        band = [i for i in usable if low * c.user_words <= c.words[i] <= high * c.user_words]
        return band or usable
    return among


def at_least_user(c: Candidates, usable: list[int]) -> list[int]:
    """Drafts at least as long as the user's median (the longest ones if none is)."""
    long_enough = [i for i in usable if c.words[i] >= c.user_words]
    return long_enough or sorted(usable, key=lambda i: -c.words[i])[:2]


LOGPROB_SELECTORS = ("likelihood", "contrast", "likelihood-long", "contrast-long")

SELECTORS: dict[str, Callable[[Candidates, int], int | None]] = {
    "first (RAG)": first,
    "random": pick_random,
    "longest": longest,
    "closest-to-user": closest_to_user,
    "consensus-meteor": consensus("meteor"),
    "consensus-rougeL": consensus("rougeL"),
    "likelihood": likelihood_of(),
    "contrast": contrast_of(),
    # Combinations: the length habit (or the majority) filters, the other signal decides.
    "consensus-meteor-band": consensus("meteor", in_band()),
    "consensus-meteor-long": consensus("meteor", at_least_user),
    "likelihood-long": likelihood_of(at_least_user),
    "contrast-long": contrast_of(at_least_user),
}
