"""Fit the combined ``reader`` score on blind labels, and measure it on items it was not fit on.

The model is a transparent weighted sum of the reader proxies, each standardized (z-score over
the candidates it was fit on). The weights come from a pairwise logistic model (Bradley-Terry):
for two candidates of one item that the reader ranked differently, P(the reader prefers i to j)
= sigmoid(w . (z_i - z_j)), fit with an L2 penalty by Newton's method. No intercept: only
differences within an item matter, so what is fit is exactly what the agreement measure counts.

It is fit on system outputs only: the score's job is telling systems apart, and pairs of a
system output against the user's real text (every real text wins) would otherwise dominate the
fit. ``cross_validate`` holds out one item at a time (every candidate of an example), fits on
the rest and scores the held-out item, so the agreement it reports is on items the weights
never saw. The labels are one reader's, on few items: the penalty is the only knob, fixed, not
searched.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from mopa.scoring.agreement import Candidate

L2 = 1.0  # penalty on the standardized weights: shrinks proxies the labels barely support


@dataclass(frozen=True)
class ReaderModel:
    features: tuple[str, ...]
    weights: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    n_items: int
    n_pairs: int
    lm_role: str | None = None  # "scoring" when a combined proxy scores with an LM

    def score_rows(self, rows: np.ndarray) -> np.ndarray:
        """One combined score per row of raw proxy values (columns in ``features`` order)."""
        z = (np.asarray(rows, dtype=float) - np.array(self.means)) / np.array(self.scales)
        return z @ np.array(self.weights)

    def as_dict(self) -> dict:
        return {"features": list(self.features),
                "weights": [round(w, 6) for w in self.weights],
                "means": [round(m, 6) for m in self.means],
                "scales": [round(s, 6) for s in self.scales],
                "n_items": self.n_items, "n_pairs": self.n_pairs, "lm_role": self.lm_role}

    @classmethod
    def from_dict(cls, data: dict) -> ReaderModel:
        names = ("features", "weights", "means", "scales")
        lengths = {len(data[name]) for name in names}
        if len(lengths) != 1:
            raise ValueError(f"reader model: features, weights, means and scales must have "
                             f"one entry each per feature, got lengths {sorted(lengths)}")
        return cls(**{name: tuple(data[name]) for name in names},
                   n_items=int(data["n_items"]), n_pairs=int(data["n_pairs"]),
                   lm_role=data.get("lm_role"))


def preference_pairs(candidates: Sequence[Candidate],
                     indices: Sequence[int]) -> list[tuple[int, int]]:
    """(preferred, other) for every pair within an item the reader ranked differently."""
    by_item: dict[str, list[int]] = defaultdict(list)
    for i in indices:
        by_item[candidates[i].item].append(i)
    pairs = []
    for members in by_item.values():
        for i, j in combinations(members, 2):
            if candidates[i].rank != candidates[j].rank:
                pairs.append((i, j) if candidates[i].rank < candidates[j].rank else (j, i))
    return pairs


def _newton(diffs: np.ndarray, l2: float, steps: int = 50) -> np.ndarray:
    """Weights maximizing sum log sigmoid(diffs @ w) - l2/2 |w|^2 (every row is a win)."""
    w = np.zeros(diffs.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(diffs @ w)))
        gradient = diffs.T @ (1.0 - p) - l2 * w
        hessian = -(diffs.T * (p * (1.0 - p))) @ diffs - l2 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-9:
            break
    return w


def fit(features: Sequence[str], rows: np.ndarray, candidates: Sequence[Candidate],
        indices: Sequence[int] | None = None, l2: float = L2,
        lm_role: str | None = None) -> ReaderModel:
    """Fit on the candidates at ``indices`` (default: every system output); ``rows[i]`` =
    candidate i's raw proxy values in ``features`` order."""
    rows = np.asarray(rows, dtype=float)
    indices = system_indices(candidates) if indices is None else list(indices)
    pairs = preference_pairs(candidates, indices)
    if not pairs:
        raise ValueError("no labelled pair with different ranks to fit the reader score on")
    means = rows[indices].mean(axis=0)
    scales = rows[indices].std(axis=0)
    scales[scales == 0] = 1.0  # a proxy constant on the labels gets no say
    z = (rows - means) / scales
    diffs = np.array([z[i] - z[j] for i, j in pairs])
    weights = _newton(diffs, l2)
    return ReaderModel(tuple(features), tuple(float(w) for w in weights),
                       tuple(float(m) for m in means), tuple(float(s) for s in scales),
                       n_items=len({candidates[i].item for i in indices}), n_pairs=len(pairs),
                       lm_role=lm_role)


def system_indices(candidates: Sequence[Candidate]) -> list[int]:
    return [i for i, c in enumerate(candidates) if not c.is_real]


def folds_by_item(candidates: Sequence[Candidate]) -> list[list[int]]:
    """Candidate indices grouped by item, in order of first appearance: one fold per item."""
    folds: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(candidates):
        folds[c.item].append(i)
    if len(folds) < 2:
        raise ValueError(f"cross-validation by item needs at least 2 items, got {len(folds)}")
    return list(folds.values())


def cross_validate(features: Sequence[str], rows: np.ndarray, candidates: Sequence[Candidate],
                   l2: float = L2) -> list[float]:
    """Each candidate's combined score from the model fit on every other item's system
    outputs (leave one item out)."""
    held_out = [math.nan] * len(candidates)
    rows = np.asarray(rows, dtype=float)
    folds = folds_by_item(candidates)
    fit_on = set(system_indices(candidates))
    for n, fold in enumerate(folds):
        train = [i for m, other in enumerate(folds) if m != n for i in other if i in fit_on]
        model = fit(features, rows, candidates, train, l2)
        for i, value in zip(fold, model.score_rows(rows[fold]), strict=True):
            held_out[i] = float(value)
    return held_out
