"""Figures of an experiment's results, with 95% bootstrap CI bands, as PNG files.

Every panel also draws the baselines the experiment ran, so a curve is read against what it
must beat: dashed lines at rag's (RAG-Personalized) and copy-latest's mean.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from mopa.experiments.compare import scored  # noqa: E402
from mopa.programs.presets import single_agent  # noqa: E402
from mopa.scoring.registry import get_metric  # noqa: E402


def _band(ax, xs, points, label, marker="o"):
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.plot(xs, [p["estimate"] for p in points], marker=marker, label=label)
    ax.fill_between(xs, [p["low"] for p in points], [p["high"] for p in points], alpha=0.2)


# preset -> line style of its reference line
REFERENCES = {"rag": ("tab:red", "--"), "copy-latest": ("dimgrey", ":")}


def _references(ax, results: dict, metric: str, vertical: bool = False) -> None:
    """A line at the mean of each baseline the experiment ran (the first system of each such
    preset: the others are variants, shown as systems); ``vertical`` for panels whose x axis
    is the score."""
    seen = set()
    for entry in results["systems"]:
        if entry["preset"] in REFERENCES and entry["preset"] not in seen:
            seen.add(entry["preset"])
            color, style = REFERENCES[entry["preset"]]
            value = entry["metrics"][metric]["estimate"]
            line = ax.axvline if vertical else ax.axhline
            line(value, color=color, linestyle=style, linewidth=1,
                 label=f"{entry['label']} {value:.3f}")


def _figure(results: dict, title: str, height: float = 3.8, **kwargs):
    """One panel per metric the results hold; the panels and each metric's label."""
    names = scored(results)
    fig, axes = plt.subplots(1, len(names), figsize=(13 * len(names) / 3, height),
                             squeeze=False, **kwargs)
    fig.suptitle(title)
    return fig, list(zip(axes[0], names, (get_metric(m).label for m in names), strict=True))


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_agents(results: dict, root: Path) -> Path:
    """Figure 2: final-layer metric vs agent count, one line per family."""
    families: dict[str, list[dict]] = {}
    for entry in results["systems"]:
        if entry["agents"]:
            families.setdefault(entry["label"].split(" N=")[0], []).append(entry)
    fig, panels = _figure(results, f"Final-layer performance by agent count "
                                   f"(n={results['settings']['n']}, {results['settings']['lm']})")
    for ax, metric, name in panels:
        for family, entries in families.items():
            entries = sorted(entries, key=lambda e: e["agents"])
            _band(ax, [e["agents"] for e in entries], [e["metrics"][metric] for e in entries],
                  family)
        _references(ax, results, metric)
        ax.set_xlabel("agents per layer")
        ax.set_ylabel(name)
        ax.legend()
    return _save(fig, root / "agents.png")


def plot_depth(results: dict, root: Path) -> Path:
    """Figure 3: metric after each layer; depth 0 is the individual (single-agent) system."""
    entries = {e["preset"]: e for e in results["systems"]}
    layered = [e for e in results["systems"] if e["by_layer"]]
    fig, panels = _figure(results, f"Performance by layer depth (n={results['settings']['n']}, "
                                   f"{results['settings']['lm']})")
    for ax, metric, name in panels:
        for entry in layered:
            # Depth 0 is the single-agent system the layers start from.
            individual = entries.get(single_agent(entry["preset"]))
            # Layers carry only the metrics scored without an LM (see RunScores.layers).
            by_layer = [layer for layer in entry["by_layer"] if metric in layer]
            xs = [layer["layer"] for layer in by_layer]
            points = [layer[metric] for layer in by_layer]
            if individual is not None:
                xs, points = [0] + xs, [individual["metrics"][metric]] + points
            _band(ax, xs, points, entry["label"])
        _references(ax, results, metric)
        ax.set_xlabel("layer (0 = individual system)")
        ax.set_ylabel(name)
        ax.legend()
    return _save(fig, root / "depth.png")


def plot_table(results: dict, root: Path) -> Path:
    """Each system's metric with its 95% CI (a visual companion to the table)."""
    entries = results["systems"]
    # One row per system, labelled once (shared y axis), tall enough for every label.
    fig, panels = _figure(results, f"Systems (n={results['settings']['n']}, "
                                   f"{results['settings']['lm']})",
                          height=max(3.8, 1.6 + 0.35 * len(entries)), sharey=True)
    for ax, metric, name in panels:
        ys = range(len(entries))
        est = [e["metrics"][metric]["estimate"] for e in entries]
        err = [[est[i] - e["metrics"][metric]["low"] for i, e in enumerate(entries)],
               [e["metrics"][metric]["high"] - est[i] for i, e in enumerate(entries)]]
        ax.errorbar(est, list(ys), xerr=err, fmt="o")
        ax.set_yticks(list(ys), [e["label"] for e in entries])
        _references(ax, results, metric, vertical=True)
        ax.set_xlabel(name)
    panels[-1][0].legend(fontsize=7, loc="lower right")
    panels[0][0].invert_yaxis()  # shared: once, or the second call flips it back
    return _save(fig, root / "table.png")


def plot_experiment(results: dict, root: Path) -> list[Path]:
    plot = {"agents": plot_agents, "depth": plot_depth, "table": plot_table}[results["kind"]]
    return [plot(results, Path(root))]
