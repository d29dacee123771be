"""Per-example scores of every system of an experiment, and the paired comparisons between them."""

from __future__ import annotations

from mopa.bootstrap import bootstrap_mean, paired_bootstrap
from mopa.data import Example
from mopa.metrics import score_pairs
from mopa.run_metrics import final_text, layer_texts
from mopa.run_store import RunStore

SCORES = ("rouge1", "rougeL", "meteor")
COMPARED = ("meteor", "rougeL")  # the report's headline metrics


def _columns(rows: list[dict]) -> dict[str, list[float]]:
    return {m: [r[m] for r in rows] for m in SCORES}


def _summary(columns: dict[str, list[float]]) -> dict:
    return {m: bootstrap_mean(columns[m]).as_dict() for m in SCORES}


def compare_systems(examples: list[Example], runs: dict, baselines: tuple[str, ...],
                    clean: bool) -> list[dict]:
    """One entry per system: metrics with 95% CIs, per layer, and deltas against baselines."""
    refs = [ex.output for ex in examples]
    scored = {}
    for label, run in runs.items():
        records = RunStore.read(run["dir"])
        got = [records.get(ex.id, {}) for ex in examples]
        final = _columns(score_pairs([final_text(r, clean) for r in got], refs))
        depth = max((len(r.get("layers") or []) for r in got), default=0)
        layers = [_columns(score_pairs([layer_texts(r, d, clean) for r in got], refs))
                  for d in range(depth)]
        scored[label] = (final, layers)

    by_preset = {run["config"].preset: label for label, run in runs.items()}
    entries = []
    for label, run in runs.items():
        final, layers = scored[label]
        config, metrics = run["config"], run["metrics"]
        entry = {
            "label": label, "preset": config.preset, "agents": len(config.agents),
            "layers": config.layers, "n": metrics["n"], "failed": metrics["failed"],
            "metrics": _summary(final),
            "by_layer": [{"layer": d + 1, **_summary(cols)} for d, cols in enumerate(layers)],
            "per_example": metrics["per_example"],
            "run_dir": str(run["dir"]),
            # Per-example scores, in example order, so any later comparison can be paired.
            "scores": final,
            "layer_scores": layers,
            "vs": {},
        }
        for baseline in baselines:
            other = by_preset.get(baseline)
            if other is None or other == label:
                continue
            entry["vs"][baseline] = {m: paired_bootstrap(final[m], scored[other][0][m]).as_dict()
                                     for m in COMPARED}
        entries.append(entry)
    return entries
