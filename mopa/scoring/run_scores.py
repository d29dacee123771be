"""The one scoring path: a run's outputs on its examples -> per-example score rows -> summaries.

``mopa run``'s metrics.json, ``mopa evaluate``, compile's before/after/test sections, the
report's trials and baselines, and the experiments' comparisons all score through here, so a
run directory gives the same numbers wherever it is read. Every example counts: a failed or
missing one is scored as an empty prediction (0).

A score row holds one value per chosen metric (``mopa.scoring.registry``; default: the default
metrics) and ``empty``; summaries, columns and intervals cover whatever metrics the rows hold.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

from mopa.data import Example
from mopa.length import median_words
from mopa.scoring.cleaning import clean_text
from mopa.scoring.intervals import bootstrap_mean, paired_bootstrap
from mopa.scoring.registry import Metric, parse_metrics
from mopa.tally import EVENTS

# Recorded per example; cost_usd is None for an LM without a known price (mopa.costs.prices).
COSTS = ("lm_calls", "prompt_tokens", "completion_tokens", "cost_usd", "seconds")


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
    scored on first use, so a caller that needs only the final output pays only for it.

    ``metrics``: what each row holds (None: the default metrics); ``lms``: the LM of each
    ``lm_role`` the metrics score with (commands refuse a missing one up front, see
    ``registry.require_lms``)."""

    def __init__(self, examples: list[Example], records: dict[str, dict], clean: bool = True,
                 metrics: Sequence[Metric] | None = None, lms: Mapping[str, Any] | None = None):
        if not examples:
            raise ValueError("no examples to score")
        self.examples, self.clean = list(examples), clean
        self.records = [records.get(ex.id, {}) for ex in self.examples]
        self.metrics = list(metrics) if metrics is not None else parse_metrics(None)
        self.lms = dict(lms or {})

    def _score(self, texts: list[str], metrics: Sequence[Metric] | None = None) -> list[dict]:
        values = {m.name: m.score_batch(texts, self.examples, lm=self.lms.get(m.lm_role))
                  for m in (self.metrics if metrics is None else metrics)}
        return [{**{name: column[i] for name, column in values.items()},
                 "empty": not text.strip()} for i, text in enumerate(texts)]

    @cached_property
    def final_texts(self) -> list[str]:
        """What is scored for each example (cleaned once, read by scores and lengths)."""
        return [final_text(r, self.clean) for r in self.records]

    @cached_property
    def final(self) -> list[dict]:
        return self._score(self.final_texts)

    @cached_property
    def layers(self) -> list[list[dict]]:
        """One row list per depth 1..L (L = the deepest record), skipped layers included, on
        the metrics that need no LM: a judge or scoring LM on every layer would multiply its
        calls by the depth for a curve that the final output's score already ends."""
        depth = max((len(r.get("layers") or []) for r in self.records), default=0)
        free = [m for m in self.metrics if not m.needs_lm]
        return [self._score([layer_text(r, d, self.clean) for r in self.records], free)
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
    def cost_usd(self) -> float | None:
        """Dollars spent on the examples' records (a missing example: nothing); None when a
        record's cost is unknown (an LM without a price, or a record from before costs were
        recorded)."""
        costs = [r.get("cost_usd") for r in self.records if r]
        return None if any(c is None for c in costs) else float(sum(costs))

    @property
    def per_example(self) -> dict[str, float]:
        """Mean cost per example and, when the records carry it (MoPA), the mean number of
        layers that ran (adaptive depth stops early)."""
        means = {k: round(statistics.fmean(float(r.get(k, 0) or 0) for r in self.records), 3)
                 for k in COSTS if k != "cost_usd"}
        total = self.cost_usd
        means["cost_usd"] = None if total is None else total / len(self.records)
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

    @property
    def events(self) -> dict[str, int]:
        """Totals over the run: LM calls and the tallied events (texts resampled for being
        short, calls stopped by the token budget). An empty final output is a failed example,
        counted as such."""
        return {key: sum(int(r.get(key, 0) or 0) for r in self.records)
                for key in ("lm_calls", *EVENTS)}


def _metric_names(rows: list[dict]) -> list[str]:
    return [key for key in rows[0] if key != "empty"] if rows else []


def aggregate(rows: Iterable[dict]) -> dict[str, float]:
    """The mean of each metric over score rows, plus ``n`` (rows, empty predictions included)
    and ``empty`` (rows flagged empty)."""
    rows = list(rows)
    if not rows:
        raise ValueError("cannot average zero rows: score at least one prediction")
    out: dict[str, float] = {}
    for key in _metric_names(rows):
        missing = [i for i, row in enumerate(rows) if key not in row]
        if missing:
            raise ValueError(
                f"rows {missing[:5]} lack {key!r} (keys: {sorted(rows[missing[0]])}); "
                "pass rows scored on the same metrics (RunScores)"
            )
        out[key] = statistics.fmean(row[key] for row in rows)
    out["n"] = len(rows)
    out["empty"] = sum(1 for row in rows if row.get("empty"))
    return out


def columns(rows: list[dict]) -> dict[str, list[float]]:
    """Score rows -> one per-example list per metric: what intervals are computed from."""
    return {m: [r[m] for r in rows] for m in _metric_names(rows)}


def mean_intervals(scores: dict[str, list[float]]) -> dict[str, dict]:
    """Each metric's mean with its bootstrap CI."""
    return {m: bootstrap_mean(values).as_dict() for m, values in scores.items()}


def paired_intervals(scores: dict[str, list[float]],
                     baseline: dict[str, list[float]]) -> dict[str, dict]:
    """Paired-bootstrap CI of mean(system - baseline) per metric both were scored on, over the
    same examples."""
    return {m: paired_bootstrap(values, baseline[m]).as_dict()
            for m, values in scores.items() if m in baseline}


def judge_usage(lms: Mapping[str, Any] | None, since: dict | None = None) -> dict:
    """``{"judge_usage": ...}``: the judge's calls, tokens and cost when a judge scored (kept
    apart from the system's ``lm_calls`` and tokens in ``per_example``), else nothing;
    ``since`` (an earlier ``judge_usage``) subtracts what the judge had spent before, since
    one judge scores every run of a command (tune's trials, an experiment's systems)."""
    usage = getattr((lms or {}).get("judge"), "usage", None)
    if usage is None:
        return {}
    now, before = usage.as_dict(), (since or {}).get("judge_usage", {})
    return {"judge_usage": {k: v - before.get(k, 0) for k, v in now.items()}}


def run_metrics(examples: list[Example], records: dict[str, dict], clean: bool = True,
                metrics: Sequence[Metric] | None = None,
                lms: Mapping[str, Any] | None = None) -> dict:
    """A run's metrics (``metrics.json``): the final output, every layer, and copy-latest on
    the same examples with the paired CI of the difference, failures and cost; scored on
    ``metrics`` (None: the default ones)."""
    scores, before = RunScores(examples, records, clean, metrics, lms), judge_usage(lms)
    return {
        "n": len(scores.examples),
        "failed": scores.failed,
        "final": aggregate(scores.final),
        "layers": [{"layer": d + 1, **aggregate(rows)} for d, rows in enumerate(scores.layers)],
        "copy_latest": aggregate(scores.copy_latest),
        "vs_copy_latest": paired_intervals(columns(scores.final), columns(scores.copy_latest)),
        "per_example": scores.per_example,
        "events": scores.events,
        "cost_usd": scores.cost_usd,
        **judge_usage(lms, since=before),
    }
