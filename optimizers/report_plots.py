"""``mopa report``'s figures: optimization history, parameter importances, metric vs agent
count and vs depth (per-layer metrics), and the Pareto front of a multi-objective study."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import optuna  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from mopa.scoring.metrics import SCORE_KEYS  # noqa: E402


def plots(study: optuna.Study, metric: str, out: Path) -> list[Path]:
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    multi = len(study.directions) > 1
    target = (lambda t: t.values[0]) if multi else None
    figures = []

    def save(ax_or_fig, name: str) -> None:
        fig = ax_or_fig.figure if hasattr(ax_or_fig, "figure") else ax_or_fig
        fig.set_size_inches(7, 4.5)
        fig.tight_layout()
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        figures.append(out / name)

    vis = optuna.visualization.matplotlib
    save(vis.plot_optimization_history(study, target=target, target_name=metric),
         "history.png")
    if len(done) >= 2:
        # The default importance evaluator ranks params by how they reach LOW targets, so a
        # maximized objective passed as a target is negated.
        flip = multi and study.directions[0] == optuna.study.StudyDirection.MAXIMIZE
        try:
            save(vis.plot_param_importances(
                study, target=(lambda t: -t.values[0]) if flip else None,
                target_name=f"-{metric}" if flip else metric), "importances.png")
        except (ValueError, RuntimeError) as e:  # too few or constant params
            print(f"parameter importances skipped: {e}")
    if multi:
        save(vis.plot_pareto_front(study), "pareto.png")

    fig, (by_agents, by_depth) = plt.subplots(1, 2)
    for t in done:
        agents = len(t.user_attrs["config"]["agents"])
        by_agents.scatter(agents, _value(t.user_attrs["final"], metric), color="C0")
        layers = t.user_attrs.get("layers") or []
        by_depth.plot([la["layer"] for la in layers], [_value(la, metric) for la in layers],
                      marker="o", alpha=0.6, label=f"trial {t.number}")
    for ax in (by_agents, by_depth):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    by_agents.set_xlabel("agents per layer")
    by_agents.set_ylabel(metric)
    by_depth.set_xlabel("layer")
    by_depth.set_ylabel(f"{metric} after the layer")
    if done:
        by_depth.legend(fontsize=6)
    fig.set_size_inches(11, 4.2)
    save(fig, "agents_depth.png")
    return figures


def _value(scores: dict, metric: str) -> float:
    """A trial's recorded score; "mean" (an objective, not a recorded column) averages the
    recorded metrics as the objective does."""
    if metric == "mean":
        return sum(scores[m] for m in SCORE_KEYS) / len(SCORE_KEYS)
    return scores[metric]
