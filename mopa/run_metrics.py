"""Metrics of a run: the final output, every layer, and the copy-latest baseline, same examples."""

from __future__ import annotations

import statistics

from mopa.bootstrap import paired_bootstrap
from mopa.cleaning import clean_text
from mopa.data import Example
from mopa.metrics import aggregate, score_pairs


def final_text(record: dict, clean: bool) -> str:
    """What is scored: the raw output cleaned with the current rules, so a rule added later
    applies to old runs too (records written by other tools may only carry ``prediction``)."""
    if "raw_prediction" not in record:
        return record.get("prediction", "")
    raw = record["raw_prediction"]
    return clean_text(raw) if clean else raw


def layer_texts(record: dict, depth: int, clean: bool) -> str:
    layers = record.get("layers") or []
    text = layers[depth]["output"] if depth < len(layers) else ""
    return clean_text(text) if clean else text


def run_metrics(examples: list[Example], records: dict[str, dict], clean: bool = True) -> dict:
    """Every example counts: a failed or missing one is scored as an empty prediction."""
    if not examples:
        raise ValueError("no examples to score")
    refs = [ex.output for ex in examples]
    got = [records.get(ex.id, {}) for ex in examples]
    final_rows = score_pairs([final_text(r, clean) for r in got], refs)
    # Scored exactly as the copy-latest program's output is: through the same cleaning.
    latest = [ex.latest_text() for ex in examples]
    baseline_rows = score_pairs([clean_text(t) if clean else t for t in latest], refs)
    depth = max((len(r.get("layers") or []) for r in got), default=0)
    layers = []
    for d in range(depth):
        rows = score_pairs([layer_texts(r, d, clean) for r in got], refs)
        layers.append({"layer": d + 1, **aggregate(rows)})

    def per_example(key: str) -> float:
        values = [float(r.get(key, 0) or 0) for r in got]
        return round(statistics.fmean(values), 3)

    return {
        "n": len(examples),
        "failed": sum(1 for r in got if r.get("error") or not r),
        "final": aggregate(final_rows),
        "layers": layers,
        "copy_latest": aggregate(baseline_rows),
        "vs_copy_latest": {
            m: paired_bootstrap([r[m] for r in final_rows], [r[m] for r in baseline_rows])
            .as_dict()
            for m in ("rouge1", "rougeL", "meteor")
        },
        "per_example": {k: per_example(k) for k in
                        ("lm_calls", "prompt_tokens", "completion_tokens", "seconds")},
    }
