"""How far a choice among the drafts could go: each MoPA run's final-layer drafts scored against
the user's real text, their mean (what a random pick scores) and their best (an oracle that
reads the reference, which no system can).

It tells the aggregator's share of a result from the proposers'. When even the best draft does
not beat RAG-Personalized on a metric, no aggregator that *picks* a draft can; only one that
writes past the drafts (fusion's added sentences, an LM merge) might, and otherwise better
drafts (prompts, demos, more agents) are what to change. Only metrics that read the reference
and need no LM are scored: a judge on every draft would multiply its calls by the agents.
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import fmean

from mopa.experiments.spec import Experiment
from mopa.programs.presets import PRESETS
from mopa.runs.settings import DataSettings
from mopa.runs.store import RunStore
from mopa.scoring.intervals import Interval
from mopa.scoring.registry import get_metric, metric_keys, parse_metrics
from mopa.scoring.run_scores import RunScores, output_text, paired_intervals

KINDS = ("mean", "best")
# What the table shows, of the metrics scored: the benchmark's headline two.
SHOWN = ("rougeL", "meteor")


def final_drafts(record: dict, clean: bool) -> list[str]:
    """The drafts of the last layer that ran (a skipped layer has none), as they are scored."""
    layers = [layer for layer in record.get("layers") or [] if layer.get("drafts")]
    return [output_text(d, clean) for d in layers[-1]["drafts"]] if layers else []


def draft_columns(scores: RunScores) -> dict[str, dict[str, list[float]]] | None:
    """``{"mean": {metric: per-example}, "best": {...}}`` over each example's final drafts; an
    example without drafts (failed) scores 0, as its output does. None for a run that writes no
    drafts (a single-agent program) or when no chosen metric reads the reference without an LM."""
    metrics = [m for m in scores.metrics if m.uses_reference and not m.needs_lm]
    pools = [final_drafts(r, scores.clean) for r in scores.records]
    if not metrics or not any(pools):
        return None
    texts = [d for pool in pools for d in pool]
    examples = [ex for ex, pool in zip(scores.examples, pools, strict=True) for _ in pool]
    out: dict[str, dict[str, list[float]]] = {kind: {} for kind in KINDS}
    for metric in metrics:
        values = iter(metric.score_batch(texts, examples))
        per = [[next(values) for _ in pool] for pool in pools]
        out["mean"][metric.name] = [fmean(v) if v else 0.0 for v in per]
        out["best"][metric.name] = [max(v) if v else 0.0 for v in per]
    return out


def fill_drafts(results: dict, root: Path) -> None:
    """Add the draft columns to the layered entries of results saved before experiments
    recorded them, from their run directories under ``root`` (the experiment's directory) and
    the data they ran on; entries sharing one set of drafts are scored once. Without the run
    directories or the data there is nothing to add, and the document shows no ceiling."""
    missing = [e for e in results["systems"] if "drafts" not in e and e["agents"]]
    settings = results["settings"]
    if not missing or not Path(settings["data"]).exists():
        return
    examples = DataSettings(settings["data"], settings["limit"], settings["selection"],
                            settings["seed"], settings.get("skip", 0)).examples()
    metrics = parse_metrics(",".join(metric_keys(missing[0]["scores"])))
    done: dict[str, dict | None] = {}
    for entry in missing:
        run_dir = root / Path(entry["run_dir"]).name
        if not run_dir.is_dir():
            continue
        scores = RunScores(examples, RunStore.read(run_dir), settings["clean"], metrics)
        key = json.dumps([final_drafts(r, scores.clean) for r in scores.records])
        if key not in done:
            done[key] = draft_columns(scores)
        if done[key]:
            entry["drafts"] = done[key]


def _pools(results: dict) -> dict[str, dict]:
    """One entry per distinct set of drafts: the systems of one preset and structure that
    differ only in aggregator share their drafts (from the LM cache), so their ceiling is one."""
    pools: dict[str, dict] = {}
    for e in results["systems"]:
        if not e.get("drafts"):
            continue
        key = json.dumps(e["drafts"], sort_keys=True)
        pools.setdefault(key, {"drafts": e["drafts"], "systems": []})["systems"].append(e)
    for pool in pools.values():
        first = pool["systems"][0]
        # A system's label names its aggregator in parentheses: "RAG MoPA (fusion)".
        named = [e["label"][len(PRESETS[e["preset"]].label):].strip(" ()")
                 for e in pool["systems"]]
        pool["label"] = (f"{PRESETS[first['preset']].label} {first['agents']}×"
                         f"{first['layers']} ({', '.join(n for n in named if n) or '—'})")
    return pools


def ceiling_table(results: dict, experiment: Experiment) -> str | None:
    """Per draft pool and metric: the mean draft, the best draft, the best of the systems that
    aggregated it, and the best draft's paired Δ vs the first baseline; None without drafts."""
    pools = _pools(results)
    if not pools:
        return None
    scored = metric_keys(results["systems"][0]["scores"])
    names = [m for m in scored if m in SHOWN and m in next(iter(pools.values()))["drafts"]["best"]]
    baseline = next((e for e in results["systems"] if e["label"] == experiment.baselines[0]),
                    None)
    head = ["Drafts of (the aggregators that read them)"]
    for m in names:
        label = get_metric(m).label
        head += [f"{label}: mean draft", "best draft (oracle)", "best aggregator"]
        if baseline:
            head.append(f"Δ best draft vs {baseline['label']}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for pool in pools.values():
        row = [pool["label"]]
        for m in names:
            best = pool["drafts"]["best"][m]
            top = max(pool["systems"], key=lambda e: fmean(e["scores"][m]))
            row += [f"{fmean(pool['drafts']['mean'][m]):.4f}", f"{fmean(best):.4f}",
                    f"{fmean(top['scores'][m]):.4f} ({top['label']})"]
            if baseline:
                delta = paired_intervals({m: best}, baseline["scores"])[m]
                row.append(Interval(**delta).format(signed=True, star=True))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)
