"""Paired bootstrap confidence intervals.

Two systems scored on the same examples are compared by resampling examples (with replacement)
and recomputing the mean difference; the percentile interval of those differences is the CI.
Resampling pairs, not each system separately, removes the between-example variance that both
systems share, which is what makes small differences detectable at all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.estimate:+.4f} [{self.low:+.4f}, {self.high:+.4f}]"


def _check(a: np.ndarray, name: str) -> None:
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D list of per-example scores, got "
                         f"shape {a.shape}")


def bootstrap_mean(scores, resamples: int = 10_000, confidence: float = 0.95,
                   seed: int = 0) -> Interval:
    """Percentile CI of the mean of one system's per-example scores."""
    a = np.asarray(scores, dtype=float)
    _check(a, "scores")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, a.size, size=(resamples, a.size))
    means = a[idx].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Interval(float(a.mean()), float(low), float(high), int(a.size))


def paired_bootstrap(system, baseline, resamples: int = 10_000, confidence: float = 0.95,
                     seed: int = 0) -> Interval:
    """CI of mean(system - baseline) over the same examples, in the same order."""
    a = np.asarray(system, dtype=float)
    b = np.asarray(baseline, dtype=float)
    _check(a, "system")
    _check(b, "baseline")
    if a.shape != b.shape:
        raise ValueError(f"paired scores must align example by example: got {a.size} system "
                         f"scores and {b.size} baseline scores")
    return bootstrap_mean(a - b, resamples=resamples, confidence=confidence, seed=seed)
