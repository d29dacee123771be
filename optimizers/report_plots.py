"""``mopa report``'s figures: optimization history, parameter importances, metric vs agent
count and vs depth (per-layer metrics), and the Pareto front of a multi-objective study.

Every figure that shows a score also shows what it has to beat: dashed lines at rag's and
copy-latest's mean on the same examples (when the report has those numbers), and the top
trials' 95% bootstrap CIs as error bars (the report scores those trials anyway; the others are
plain points). Counts (agents, layers, trial numbers) get integer ticks; importances say how
many trials they rest on, since a handful of trials ranks parameters mostly by chance.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import optuna  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from mopa.scoring.registry import HEADLINE, get_metric, metric_names  # noqa: E402

FEW_TRIALS = 10  # below this, parameter importances are mostly noise
SIZE = (7, 4.5)
# Named colors: optuna's figures use the ggplot style, whose C0..C9 differ from the default.
REFERENCE_STYLE = {"rag": ("tab:red", "--"), "copy-latest": ("dimgrey", ":")}
POINT = "tab:blue"


def plots(study: optuna.Study, metric: str, out: Path, rows: list[dict] = ()) -> list[Path]:
    """The figures, saved in ``out``; ``rows`` are the report's selection rows (trial, ``ci``
    and ``references`` per trial), which add the CI bars and reference lines."""
    # Optuna marks its matplotlib plots experimental on every call: noise in a report's output.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return _plots(study, metric, out, rows)


def _plots(study: optuna.Study, metric: str, out: Path, rows: list[dict]) -> list[Path]:
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    multi = len(study.directions) > 1
    target = (lambda t: t.values[0]) if multi else None
    scored = metric in metric_names()  # a cost objective (lm_calls) has no references
    score = metric if scored else HEADLINE
    refs = _references(rows, score)
    figures = []

    def save(ax_or_fig, name: str, size: tuple[float, float] = SIZE) -> None:
        fig = ax_or_fig.figure if hasattr(ax_or_fig, "figure") else ax_or_fig
        fig.set_size_inches(*size)
        fig.tight_layout()
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        figures.append(out / name)

    vis = optuna.visualization.matplotlib
    ax = vis.plot_optimization_history(study, target=target, target_name=metric)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if scored:
        _reference_lines(ax, refs)
    save(ax, "history.png")
    if len(done) >= 2:
        # The default importance evaluator ranks params by how they reach LOW targets, so a
        # maximized objective passed as a target is negated.
        flip = multi and study.directions[0] == optuna.study.StudyDirection.MAXIMIZE
        try:
            ax = vis.plot_param_importances(
                study, target=(lambda t: -t.values[0]) if flip else None,
                target_name=f"-{metric}" if flip else metric)
            # Optuna titles this axis on the left; replace it rather than print over it.
            ax.set_title(importance_title(len(done)), loc="left", fontsize=10)
            save(ax, "importances.png")
        except (ValueError, RuntimeError) as e:  # too few or constant params
            print(f"parameter importances skipped: {e}")
    if multi:
        save(vis.plot_pareto_front(study), "pareto.png")
    save(agents_depth(done, score, rows, refs), "agents_depth.png", (11, 4.2))
    return figures


def importance_title(n: int) -> str:
    text = f"Parameter importances from {n} completed trials"
    if n < FEW_TRIALS:
        text += f"\n(fewer than {FEW_TRIALS}: the ranking is mostly chance; run more trials)"
    return text


def agents_depth(done: list, metric: str, rows: list[dict], refs: dict[str, float]):
    """Left: each trial's final score by agent count, top trials with CI bars. Right: the
    score after each layer, one line per trial."""
    fig, (by_agents, by_depth) = plt.subplots(1, 2)
    cis = {r["trial"]: r["ci"] for r in rows if "ci" in r}
    for t in done:
        agents = len(t.user_attrs["config"]["agents"])
        # A trial tuned before its objective was a registered metric did not record it; the
        # value Optuna recorded is the same number.
        value = t.user_attrs["final"].get(metric, t.values[0])
        if t.number in cis:
            low, high = _interval(cis[t.number], metric)
            by_agents.errorbar(agents, value, yerr=[[value - low], [high - value]], fmt="o",
                               color=POINT, capsize=3)
        else:
            by_agents.scatter(agents, value, color=POINT, alpha=0.5)
        layers = [la for la in t.user_attrs.get("layers") or [] if metric in la]
        by_depth.plot([la["layer"] for la in layers], [la[metric] for la in layers],
                      marker="o", alpha=0.6, label=f"trial {t.number}")
    counts = sorted({len(t.user_attrs["config"]["agents"]) for t in done})
    depths = sorted({la["layer"] for t in done for la in t.user_attrs.get("layers") or []})
    _integer_axis(by_agents, counts)
    _integer_axis(by_depth, depths)
    for ax in (by_agents, by_depth):
        _reference_lines(ax, refs)
    by_agents.set_xlabel("agents per layer")
    label = get_metric(metric).label
    by_agents.set_ylabel(label)
    if cis:
        by_agents.set_title("bars: 95% CI of the top trials", fontsize=9)
    by_depth.set_xlabel("layer")
    by_depth.set_ylabel(f"{label} after the layer")
    if done:
        by_depth.legend(fontsize=6)
    return fig


def _integer_axis(ax, values: list[int]) -> None:
    """Ticks at the integers present, with room around them: a single agent count would
    otherwise get matplotlib's fractional ticks (0.945 ... 1.050) around it."""
    if not values:
        return
    ax.set_xticks(range(values[0], values[-1] + 1))
    ax.set_xlim(values[0] - 0.5, values[-1] + 0.5)


def _reference_lines(ax, refs: dict[str, float]) -> None:
    for name, value in refs.items():
        color, style = REFERENCE_STYLE.get(name, ("black", "-."))
        ax.axhline(value, color=color, linestyle=style, linewidth=1, label=f"{name} {value:.3f}")
    if refs:
        ax.legend(fontsize=6)


def _references(rows: list[dict], metric: str) -> dict[str, float]:
    """rag's and copy-latest's mean score, from the best row that has them (rag's settings
    follow each trial's; the line shows the best trial's)."""
    refs: dict[str, float] = {}
    for row in rows:
        for name, scores in (row.get("references") or {}).items():
            refs.setdefault(name, scores[metric])
    return refs


def _interval(ci: dict, metric: str) -> tuple[float, float]:
    return ci[metric]["low"], ci[metric]["high"]

