"""Per-example scores of every system of an experiment, and the paired comparisons between them."""

from __future__ import annotations

import json
from pathlib import Path

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


def previous_systems(path: Path, settings: dict) -> list[dict]:
    """The systems an earlier run of the same experiment left in ``results.json``, so a rerun
    of some systems (``--systems rag``) keeps the others. Their per-example scores are only
    comparable with the new ones on the same examples and settings, hence the refusal."""
    if not path.exists():
        return []
    previous = json.loads(path.read_text(encoding="utf-8"))
    settings = json.loads(json.dumps(settings))  # compare as JSON (tuples become lists)
    changed = sorted(k for k in set(previous["settings"]) | set(settings)
                     if previous["settings"].get(k) != settings.get(k))
    if changed:
        raise ValueError(f"{path} holds results made with other settings (changed: "
                         f"{', '.join(changed)}); use another --out, or the same settings to "
                         "add or rerun systems")
    return previous["systems"]


def compare_systems(examples: list[Example], runs: dict, baselines: tuple[str, ...],
                    clean: bool, previous: list[dict] = (),
                    command: list[str] | None = None) -> list[dict]:
    """One entry per system: metrics with 95% CIs, per layer, and deltas against baselines.

    ``previous`` entries that were not rerun are kept in their place; ``command`` (the argv
    that ran ``runs``) is recorded in each new entry so the results say how to reproduce them.
    """
    refs = [ex.output for ex in examples]
    current = {}
    for label, run in runs.items():
        records = RunStore.read(run["dir"])
        got = [records.get(ex.id, {}) for ex in examples]
        rows = score_pairs([final_text(r, clean) for r in got], refs)
        final = _columns(rows)
        depth = max((len(r.get("layers") or []) for r in got), default=0)
        layers = [_columns(score_pairs([layer_texts(r, d, clean) for r in got], refs))
                  for d in range(depth)]
        config, metrics = run["config"], run["metrics"]
        current[label] = {
            "label": label, "preset": config.preset, "agents": len(config.agents),
            "layers": config.layers, "n": metrics["n"], "failed": metrics["failed"],
            "empty": sum(1 for r in rows if r["empty"]),
            "per_example": metrics["per_example"],
            "run_dir": str(run["dir"]),
            "command": command,
            # Per-example scores, in example order, so any later comparison can be paired.
            "scores": final,
            "layer_scores": layers,
        }
    entries = [current.pop(e["label"], e) for e in previous] + list(current.values())
    add_intervals(entries, baselines)
    return entries


def add_intervals(entries: list[dict], baselines: tuple[str, ...]) -> None:
    """Fill each entry's CIs from its per-example scores: means, per layer, and paired deltas
    against the baselines. Recomputed for every entry, kept ones too: a rerun baseline changes
    the others' deltas, and scores saved by older code get the current interval method."""
    by_preset = {e["preset"]: e for e in entries}
    for entry in entries:
        entry["metrics"] = _summary(entry["scores"])
        entry["by_layer"] = [{"layer": d + 1, **_summary(cols)}
                             for d, cols in enumerate(entry["layer_scores"])]
        entry["vs"] = {
            baseline: {m: paired_bootstrap(entry["scores"][m], by_preset[baseline]["scores"][m])
                       .as_dict() for m in COMPARED}
            for baseline in baselines
            if baseline in by_preset and by_preset[baseline] is not entry
        }
