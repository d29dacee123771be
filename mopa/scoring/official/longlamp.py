"""The LongLaMP metrics: ROUGE-1, ROUGE-L and METEOR with the official settings (computed by
``mopa.scoring.metrics``), the default metrics of every run, and ``mean``, their per-example
mean (what a search tuned on all three ranks by).

An empty or whitespace-only prediction scores 0.0 on each and is counted, where the official
scorer drops it (which inflates the scores of systems that often produce nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from statistics import fmean

from mopa.data import Example
from mopa.scoring.metrics import score_pairs
from mopa.scoring.registry import Metric, register


@lru_cache(maxsize=4)
def _rows(predictions: tuple[str, ...], references: tuple[str, ...]) -> tuple[dict, ...]:
    # The three are computed together (one ROUGE call gives both, METEOR runs on worker
    # processes for large batches); each metric reads its column, so scoring a batch on all
    # of them (and on their mean) computes it once.
    return tuple(score_pairs(predictions, references))


def _batch(predictions: Sequence[str], examples: Sequence[Example]) -> tuple[dict, ...]:
    return _rows(tuple(predictions), tuple(ex.output for ex in examples))


def _column(key: str):
    def score(predictions: Sequence[str], examples: Sequence[Example]) -> list[float]:
        return [row[key] for row in _batch(predictions, examples)]

    return score


OFFICIAL = [register(Metric(name, label, _column(name), description, default=True))
            for name, label, description in (
                ("rouge1", "ROUGE-1", "unigram F1 against the user's real text (official "
                 "rouge_score settings: no stemmer, [a-z0-9] tokens)"),
                ("rougeL", "ROUGE-L", "longest-common-subsequence F1 against the user's real "
                 "text (official settings)"),
                ("meteor", "METEOR", "NLTK's METEOR against the user's real text (alpha 0.9, "
                 "beta 3, gamma 0.5: recall weighs 9:1 over precision)"))]


def _mean(predictions: Sequence[str], examples: Sequence[Example]) -> list[float]:
    return [fmean(row[m.name] for m in OFFICIAL) for row in _batch(predictions, examples)]


register(Metric("mean", "mean of ROUGE-1, ROUGE-L, METEOR", _mean,
                "the per-example mean of the three official metrics"))
