"""Per-example scores of every system of an experiment, and the paired comparisons between them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mopa.data import Example
from mopa.experiments.ceiling import draft_columns
from mopa.experiments.spec import System
from mopa.jsonl import read_json
from mopa.runs.store import RunStore
from mopa.scoring.registry import Metric, metric_keys
from mopa.scoring.run_scores import RunScores, columns, mean_intervals, paired_intervals


def previous_systems(path: Path, settings: dict) -> list[dict]:
    """The systems an earlier run of the same experiment left in ``results.json``, so a rerun
    of some systems (``--systems rag``) keeps the others. Their per-example scores are only
    comparable with the new ones on the same examples and settings, hence the refusal."""
    if not path.exists():
        return []
    previous = read_json(path)  # a torn file is named, with its line
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
                    command: list[str] | None = None, metrics: Sequence[Metric] | None = None,
                    lms: Mapping[str, Any] | None = None) -> list[dict]:
    """One entry per system: its record, metrics with 95% CIs, per layer, and deltas against
    baselines. ``runs``: label -> its ``config``, output ``dir`` and declared ``system``
    (without one, the record holds only its label and preset).

    ``previous`` entries that were not rerun are kept in their place; ``command`` (the argv
    that ran ``runs``) is recorded in each new entry so the results say how to reproduce them.
    Scored on ``metrics`` (None: the default ones) with ``lms``; a run's ``metrics`` that
    carry the judge's usage put it in its entry.
    """
    current = {}
    for label, run in runs.items():
        scores = RunScores(examples, RunStore.read(run["dir"]), clean, metrics, lms)
        config = run["config"]
        system = run.get("system") or System(label, config.preset)
        drafts = draft_columns(scores)
        current[label] = {
            "label": label, "preset": config.preset, "system": system.record(),
            "agents": len(config.agents),
            "layers": config.layers, "n": len(examples), "failed": scores.failed,
            "empty": sum(1 for r in scores.final if r["empty"]),
            "per_example": scores.per_example,
            "run_dir": str(run["dir"]),
            "command": command,
            # Per-example scores, in example order, so any later comparison can be paired.
            "scores": columns(scores.final),
            "layer_scores": [columns(rows) for rows in scores.layers],
            **({"drafts": drafts} if drafts else {}),
            **{k: v for k, v in (run.get("metrics") or {}).items() if k == "judge_usage"},
        }
    entries = [current.pop(e["label"], e) for e in previous] + list(current.values())
    add_intervals(entries, baselines)
    return entries


def add_intervals(entries: list[dict], baselines: tuple[str, ...]) -> None:
    """Fill each entry's CIs from its per-example scores: means, per layer, and paired deltas
    against the baselines. Recomputed for every entry, kept ones too: a rerun baseline changes
    the others' deltas, and scores saved by older code get the current interval method."""
    by_name = {}
    for e in entries:  # a preset names its first system; a label names exactly one
        by_name.setdefault(e["preset"], e)
    by_name.update({e["label"]: e for e in entries})
    for entry in entries:
        entry["metrics"] = mean_intervals(entry["scores"])
        entry["by_layer"] = [{"layer": d + 1, **mean_intervals(cols)}
                             for d, cols in enumerate(entry["layer_scores"])]
        entry["vs"] = {
            baseline: paired_intervals(entry["scores"], by_name[baseline]["scores"])
            for baseline in baselines
            if baseline in by_name and by_name[baseline] is not entry
        }


def scored(results: dict) -> list[str]:
    """The metrics an experiment's results hold (those of its first system), in their order:
    its tables' and figures' columns."""
    systems = results["systems"]
    return metric_keys(systems[0]["metrics"]) if systems else []
