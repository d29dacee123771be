"""The one scoring path: a run's outputs on its examples -> per-example score rows -> summaries.

``mopa run``'s metrics.json, ``mopa evaluate``, compile's before/after/test sections, the
report's trials and baselines, and the experiments' comparisons all score through here, so a
run directory gives the same numbers wherever it is read. Every example counts: a failed or
missing one is scored as an empty prediction (0).
"""

from __future__ import annotations

import statistics
from functools import cached_property
from pathlib import Path

from mopa.data import Example
from mopa.length import median_words
from mopa.runs.store import RunStore
from mopa.scoring.cleaning import clean_text
from mopa.scoring.intervals import bootstrap_mean, paired_bootstrap
from mopa.scoring.metrics import SCORE_KEYS, aggregate, score_pairs

COSTS = ("lm_calls", "prompt_tokens", "completion_tokens", "seconds")  # recorded per example


def output_text(text: str, clean: bool) -> str:
    """A program's output as it is recorded and scored (the runner cleans through this too)."""
    return clean_text(text) if clean else text


def final_text(record: dict, clean: bool) -> str:
    """What is scored: the raw output cleaned with the current rules, so a rule added later
    applies to old runs too (records written by other tools may only carry ``prediction``)."""
    if "raw_prediction" not in record:
        return record.get("prediction", "")
    return output_text(record["raw_prediction"], clean)


def layer_text(record: dict, depth: int, clean: bool) -> str:
    # A layer skipped by adaptive depth records the last computed output: that is what the
    # program returns at this depth, so it is scored like any other layer.
    layers = record.get("layers") or []
    return output_text(layers[depth]["output"], clean) if depth < len(layers) else ""


class RunScores:
    """Per-example score rows of one run on ``examples``, in their order; each kind is
    scored on first use, so a caller that needs only the final output pays only for it."""

    def __init__(self, examples: list[Example], records: dict[str, dict], clean: bool = True):
        if not examples:
            raise ValueError("no examples to score")
        self.examples, self.clean = list(examples), clean
        self.records = [records.get(ex.id, {}) for ex in self.examples]

    @classmethod
    def read(cls, examples: list[Example], run_dir: str | Path, clean: bool = True) -> RunScores:
        return cls(examples, RunStore.read(run_dir), clean)

    def _score(self, texts: list[str]) -> list[dict]:
        return score_pairs(texts, [ex.output for ex in self.examples])

    @cached_property
    def final_texts(self) -> list[str]:
        """What is scored for each example (cleaned once, read by scores and lengths)."""
        return [final_text(r, self.clean) for r in self.records]

    @cached_property
    def final(self) -> list[dict]:
        return self._score(self.final_texts)

    @cached_property
    def layers(self) -> list[list[dict]]:
        """One row list per depth 1..L (L = the deepest record), skipped layers included."""
        depth = max((len(r.get("layers") or []) for r in self.records), default=0)
        return [self._score([layer_text(r, d, self.clean) for r in self.records])
                for d in range(depth)]

    @cached_property
    def copy_latest(self) -> list[dict]:
        """The copy-latest baseline on the same examples: the user's latest text, cleaned as
        the copy-latest program's output is."""
        return self._score([output_text(ex.latest_text(), self.clean) for ex in self.examples])

    @property
    def failed(self) -> int:
        return sum(1 for r in self.records if r.get("error") or not r)

    @property
    def per_example(self) -> dict[str, float]:
        """Mean cost per example and, when the records carry it (MoPA), the mean number of
        layers that ran (adaptive depth stops early)."""
        means = {k: round(statistics.fmean(float(r.get(k, 0) or 0) for r in self.records), 3)
                 for k in COSTS}
        depths = [r["depth"] for r in self.records if r.get("depth") is not None]
        if depths:
            means["depth"] = round(statistics.fmean(depths), 3)
        # Output length beside the users' own: METEOR rewards length up to the reference's, so
        # every table shows whether a gain is only length.
        means["words"] = round(statistics.fmean(
            len(text.split()) for text in self.final_texts), 1)
        users = [w for w in (median_words(ex) for ex in self.examples) if w is not None]
        means["user_words"] = round(statistics.fmean(users), 1) if users else None
        return means


def columns(rows: list[dict]) -> dict[str, list[float]]:
    """Score rows -> one per-example list per metric: what intervals are computed from."""
    return {m: [r[m] for r in rows] for m in SCORE_KEYS}


def mean_intervals(scores: dict[str, list[float]]) -> dict[str, dict]:
    """Each metric's mean with its bootstrap CI."""
    return {m: bootstrap_mean(scores[m]).as_dict() for m in SCORE_KEYS}


def paired_intervals(scores: dict[str, list[float]], baseline: dict[str, list[float]],
                     metrics: tuple[str, ...] = SCORE_KEYS) -> dict[str, dict]:
    """Paired-bootstrap CI of mean(system - baseline) per metric, over the same examples."""
    return {m: paired_bootstrap(scores[m], baseline[m]).as_dict() for m in metrics}


def run_metrics(examples: list[Example], records: dict[str, dict], clean: bool = True) -> dict:
    """A run's metrics (``metrics.json``): the final output, every layer, and copy-latest on
    the same examples with the paired CI of the difference, failures and cost."""
    scores = RunScores(examples, records, clean)
    return {
        "n": len(scores.examples),
        "failed": scores.failed,
        "final": aggregate(scores.final),
        "layers": [{"layer": d + 1, **aggregate(rows)} for d, rows in enumerate(scores.layers)],
        "copy_latest": aggregate(scores.copy_latest),
        "vs_copy_latest": paired_intervals(columns(scores.final), columns(scores.copy_latest)),
        "per_example": scores.per_example,
    }
