"""Results as Markdown tables: metrics with CIs, cost, and paired differences vs baselines."""

from __future__ import annotations

from mopa.experiments.compare import scored
from mopa.experiments.spec import Experiment
from mopa.experiments.systems import EXPERIMENT as SYSTEMS
from mopa.programs.config import AGGREGATORS
from mopa.programs.presets import PRESETS
from mopa.scoring.intervals import Interval
from mopa.scoring.registry import get_metric


def _ci(iv: dict, signed: bool = False) -> str:
    """A mean's interval, or a difference's (signed, starred when it excludes 0)."""
    return Interval(**iv).format(signed=signed, star=signed)


def _words(cost: dict) -> str:
    # "?": results.json written before output lengths were recorded.
    if "words" not in cost:
        return "?"
    return f"{cost['words']:.0f} ({cost['user_words']:.0f})" if cost.get("user_words") else (
        f"{cost['words']:.0f}")


def results_table(results: dict) -> str:
    systems = results["systems"]
    baselines = sorted({b for e in systems for b in e["vs"]})
    names = scored(results)
    labels = [get_metric(m).label for m in names]
    head = ["System", "N×L", "n", "failed", "empty", *labels, "words (user)",
            "LM calls/ex", "uncached tokens/ex", "s/ex"]
    head += [f"Δ{label} vs {b}" for label in labels for b in baselines]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in systems:
        m, cost = e["metrics"], e["per_example"]
        shape = f"{e['agents']}×{e['layers']}" if e["agents"] else "—"
        # "?": results.json written before empty outputs were counted.
        row = [e["label"], shape, str(e["n"]), str(e["failed"]), str(e.get("empty", "?")),
               *(_ci(m[metric]) for metric in names), _words(cost),
               f"{cost['lm_calls']:.1f}",
               f"{cost['prompt_tokens'] + cost['completion_tokens']:.0f}",
               f"{cost['seconds']:.1f}"]
        for metric in names:
            row += [_ci(e["vs"][b][metric], signed=True) if b in e["vs"] else "—"
                    for b in baselines]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def layer_table(results: dict) -> str:
    """Per-layer metrics of every layered system (the depth ablation's numbers)."""
    names = scored(results)
    head = ["System", "layer", *(get_metric(m).label for m in names)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in results["systems"]:
        for layer in e["by_layer"]:
            # "—": a metric scored with an LM, which layers are not (see RunScores.layers).
            cells = [e["label"], str(layer["layer"]),
                     *(_ci(layer[m]) if m in layer else "—" for m in names)]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def aggregator_grid(results: dict, experiment: Experiment = SYSTEMS) -> str:
    """The MoPA systems that set an aggregator as a grid: one row per preset, one column per
    aggregator, each metric's mean in each cell (in the order the first column names), so each
    system's aggregators read across."""
    grid: dict[str, dict[str, dict]] = {}
    for e in results["systems"]:
        system = experiment.system_of(e)
        if PRESETS[system.preset].layered and system.aggregator:
            grid.setdefault(PRESETS[system.preset].label, {})[system.aggregator] = e["metrics"]
    seen = {a for row in grid.values() for a in row}
    aggregators = [a for a in AGGREGATORS if a in seen] + sorted(seen - set(AGGREGATORS))
    names = scored(results)
    order = " / ".join(get_metric(m).label for m in names)
    lines = [f"| System ({order}) | " + " | ".join(aggregators) + " |",
             "|---|" + "---|" * len(aggregators)]
    for system, row in grid.items():
        cells = [" / ".join(f"{row[a][m]['estimate']:.3f}" for m in names)
                 if a in row else "—" for a in aggregators]
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
