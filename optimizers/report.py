"""``mopa report``: the best trials of a study, compared honestly, with plots in MLflow.

For the top trials: their metrics, LM calls per example, and the paired-bootstrap 95% CI of
their per-example difference against ``copy-latest`` and against the ``rag`` program run on
the same examples with the same settings (run once per study, resumable). Plots: optimization
history, parameter importances, metric vs agent count, metric vs depth (per-layer metrics), and
the Pareto front of a multi-objective study. Everything is saved under ``OUT/STUDY/report`` and
logged to the study's MLflow parent run.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import optuna  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from mopa import tracking  # noqa: E402
from mopa.bootstrap import paired_bootstrap  # noqa: E402
from mopa.data import load, select  # noqa: E402
from mopa.metrics import score_pairs  # noqa: E402
from mopa.optimizers.study import PARENT_ATTR, open_storage  # noqa: E402
from mopa.program_io import program_hash  # noqa: E402
from mopa.programs.presets import build_program, make_config  # noqa: E402
from mopa.run_metrics import final_text  # noqa: E402
from mopa.run_store import RunStore  # noqa: E402
from mopa.runner import execute  # noqa: E402

SCORES = ("rouge1", "rougeL", "meteor")


def _scores(examples: list, run_dir: str | Path, clean: bool) -> dict[str, list[float]]:
    records = RunStore.read(run_dir)
    rows = score_pairs([final_text(records.get(ex.id, {}), clean) for ex in examples],
                       [ex.output for ex in examples])
    return {m: [r[m] for r in rows] for m in SCORES}


def _baseline_dir(trial: optuna.trial.FrozenTrial, study_dir: Path, preset: str,
                  examples: list) -> Path:
    """Run ``preset`` with the trial's own run settings (LM, k, ...) once per study."""
    manifest = json.loads((Path(trial.user_attrs["run_dir"]) / "run.json").read_text())
    config = make_config(preset, task=examples[0].task)
    module = build_program(config)
    # The trial's run settings, without what identifies the trial's program and code (the
    # store adds this code's version itself).
    settings = {k: v for k, v in manifest.items()
                if k not in ("trial", "config", "program_hash", "code", "git_commit")}
    with RunStore(study_dir / f"baseline-{preset}",
                  {**settings, "config": config.as_dict(),
                   "program_hash": program_hash(module)}) as store:
        execute(module, config, examples, store, lm=manifest["lm"],
                temperature=manifest["temperature"], max_tokens=manifest["max_tokens"],
                api_base=manifest.get("api_base"), k=manifest["k"],
                max_words=manifest["max_words"], clean=manifest["clean"], progress=False)
    return store.dir


def best_trials(study: optuna.Study, top: int) -> list[optuna.trial.FrozenTrial]:
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if len(study.directions) > 1:
        return study.best_trials[:top]
    reverse = study.direction == optuna.study.StudyDirection.MAXIMIZE
    return sorted(done, key=lambda t: t.value, reverse=reverse)[:top]


def trial_rows(study: optuna.Study, trials: list, examples: list, study_dir: Path,
               clean: bool = True) -> list[dict]:
    baselines = {p: _scores(examples, _baseline_dir(trials[0], study_dir, p, examples), clean)
                 for p in ("rag", "copy-latest")}
    rows = []
    for t in trials:
        scores = _scores(examples, t.user_attrs["run_dir"], clean)
        config = t.user_attrs["config"]
        rows.append({
            "trial": t.number, "values": t.values, "params": t.params,
            "preset": config["preset"], "agents": len(config["agents"]),
            "layers": config["layers"], "final": t.user_attrs["final"],
            "lm_calls": t.user_attrs["per_example"]["lm_calls"],
            "vs": {b: {m: paired_bootstrap(scores[m], base[m]).as_dict() for m in SCORES}
                   for b, base in baselines.items()},
        })
    return rows


def markdown(rows: list[dict]) -> str:
    def ci(iv):
        star = " *" if iv["low"] > 0 or iv["high"] < 0 else ""
        return f"{iv['estimate']:+.4f} [{iv['low']:+.4f}, {iv['high']:+.4f}]{star}"

    lines = ["| trial | preset | N×L | R-1 | R-L | METEOR | LM calls/ex | ΔMETEOR vs rag | "
             "ΔMETEOR vs copy-latest | ΔR-L vs rag | ΔR-L vs copy-latest |",
             "|" + "---|" * 11]
    for r in rows:
        f = r["final"]
        lines.append(f"| {r['trial']} | {r['preset']} | {r['agents']}×{r['layers']} | "
                     f"{f['rouge1']:.4f} | {f['rougeL']:.4f} | {f['meteor']:.4f} | "
                     f"{r['lm_calls']:.1f} | {ci(r['vs']['rag']['meteor'])} | "
                     f"{ci(r['vs']['copy-latest']['meteor'])} | {ci(r['vs']['rag']['rougeL'])} | "
                     f"{ci(r['vs']['copy-latest']['rougeL'])} |")
    return "\n".join(lines)


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
        by_agents.scatter(agents, t.user_attrs["final"][metric], color="C0")
        layers = t.user_attrs.get("layers") or []
        by_depth.plot([la["layer"] for la in layers], [la[metric] for la in layers],
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


def report(study: str = "mopa", storage: str = "sqlite:///optuna.db", top: int = 5,
           tracking_uri: str | None = None, out: str = "runs/tune") -> dict:
    from mlflow import MlflowClient

    client = MlflowClient(tracking.configure(tracking_uri))
    loaded = optuna.load_study(study_name=study, storage=open_storage(storage, client))
    trials = best_trials(loaded, top)
    if not trials:
        raise ValueError(f"study {study!r} has no completed trial yet; run `mopa tune --study "
                         f"{study}` first")
    manifest = json.loads((Path(trials[0].user_attrs["run_dir"]) / "run.json").read_text())
    examples = select(load(manifest["data"]), manifest["limit"], how=manifest["selection"],
                      seed=manifest["seed"])
    metric = loaded.user_attrs.get("objectives", ["meteor"])[0]
    study_dir = Path(out) / study
    report_dir = study_dir / "report"
    report_dir.mkdir(parents=True, exist_ok=True)
    rows = trial_rows(loaded, trials, examples, study_dir, manifest.get("clean", True))
    table = markdown(rows)
    (report_dir / "best_trials.md").write_text(table + "\n", encoding="utf-8")
    (report_dir / "best_trials.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    figures = plots(loaded, metric, report_dir)
    parent = loaded.user_attrs.get(PARENT_ATTR)
    if parent:
        tracking.log_artifacts(client, parent, [report_dir / "best_trials.md", *figures])
    print(table)
    print(f"saved to {report_dir}; figures logged to MLflow run {parent}: "
          f"{tracking.ui_command(client.tracking_uri)}")
    return {"rows": rows, "figures": [str(f) for f in figures], "dir": str(report_dir)}
