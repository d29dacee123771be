"""How a ``mopa tune`` study reads in MLflow's runs table without picking columns.

Each trial's run is named ``t3 rag-mopa 2×2 fusion`` when it starts and ``t3 rag-mopa 2×2
fusion · meteor 0.104`` when it finishes (``· failed`` if it failed), and describes itself;
after every finished trial the parent run takes the best trial's name, searched params (tags
``best.<param>``: MLflow params cannot change once logged), and metrics under the same names
as the trials' (``meteor``, ``rouge1``, ``rougeL``, ``lm_calls``, ...), whatever the study's
objective, so parents of different studies compare column by column. A multi-objective study
has no single best: its parent names the Pareto front instead.
"""

from __future__ import annotations

import logging

import optuna
from mlflow import MlflowClient

from mopa.data import Example
from mopa.runs import run_context, tracking
from mopa.runs.run_context import score_text, structure

log = logging.getLogger(__name__)
BEST_PREFIX = "best."
# Set on a trial whose MLflow logging failed (see trial_logging), and what then happens.
PENDING_ATTR = "mlflow_pending"
LATER = ("the study's results are kept; the MLflow runs of the trials it missed are logged at "
         "the end of the study or by the next `mopa tune` on it")


def trial_name(number: int, config: dict, values: dict | None = None,
               failed: bool = False) -> str:
    base = f"t{number} {structure(config)}"
    if failed:
        return f"{base} · failed"
    return f"{base} · {score_text(values, list(values))}" if values else base


def describe_trial(client: MlflowClient, run_id: str, number: int, config: dict,
                   settings: dict, study: str, examples: list[Example], source: str,
                   run_dir: str) -> None:
    """Name, description, dataset and commit of a trial's run, when its program is known."""
    knobs = ", ".join(f"{k} {settings[k]}" for k in ("temperature", "k", "max_words")
                      if k in settings)
    note = (f"Trial {number} of Optuna study `{study}`: {_program_text(config)}; {knobs}. "
            f"Ran on {len(examples)} examples of `{source}`; outputs in `{run_dir}`.")
    run_context.describe(client, run_id, "tune", name=trial_name(number, config), note=note,
                         examples=examples, source=source, context="trials")


def _program_text(config: dict) -> str:
    agents = len(config.get("agents") or ())
    if not agents:
        return f"{config.get('preset')} (single agent)"
    layers = config.get("layers")
    return (f"{config.get('preset')}, {agents} agents × {layers} layer{'s' * (layers != 1)}, "
            f"aggregator {config.get('aggregator')}, refine {config.get('refine')}")


def describe_parent(client: MlflowClient, parent: str, study: str, names: list[str],
                    directions: list[str], examples: list[Example], source: str) -> None:
    goal = ", ".join(f"{d} {n}" for n, d in zip(names, directions, strict=True))
    note = (f"Optuna study `{study}` ({goal}) on {len(examples)} examples of `{source}`. "
            "Each trial is a nested run; this run's name, `best.*` tags and metrics are the "
            f"best trial's so far. `mopa report --study {study}` re-scores the best trials "
            "with confidence intervals.")
    run_context.describe(client, parent, "tune", note=note, examples=examples, source=source,
                         context="trials")


def trial_values(trial: optuna.trial.FrozenTrial) -> dict:
    """The trial's final scores and per-example costs, as its own run logs them."""
    return {**(trial.user_attrs.get("final") or {}), **(trial.user_attrs.get("per_example")
                                                        or {})}


def update_parent(client: MlflowClient, parent: str, study: optuna.Study, study_name: str,
                  names: list[str]) -> None:
    """Put the best trial so far (or the Pareto front) on the parent run."""
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not complete:
        return
    if len(names) > 1:
        front = [t.number for t in study.best_trials]
        run_context.rename(client, parent, f"{study_name} · Pareto front "
                                           f"{', '.join(f't{n}' for n in front)}")
        return
    best = study.best_trial
    config = best.user_attrs.get("config") or {}
    values = trial_values(best)
    run_context.rename(client, parent, f"{study_name} · best "
                       f"{trial_name(best.number, config, {names[0]: best.values[0]})}")
    tracking.set_tags(client, parent, {"best_trial": best.number,
                                       "best_run_id": best.user_attrs.get("mlflow_run_id"),
                                       **{BEST_PREFIX + k: v for k, v in best.params.items()}})
    metrics = {k: v for k, v in values.items() if isinstance(v, (int, float))}
    tracking.log_metrics(client, parent, {**metrics, "best_trial": best.number},
                         step=len(complete))


def log_study_end(client: MlflowClient, parent: str, study: optuna.Study, study_name: str,
                  names: list[str], result: dict) -> None:
    """The study's summary on its parent run, as this worker ends (``tune.summarize``'s
    ``result``): trial counts, the best trial (or the Pareto front) of every worker's trials."""
    complete = result["trials"].get("COMPLETE", 0)
    summary = {"complete_trials": complete, "failed_trials": result["trials"].get("FAIL", 0)}
    if result.get("best"):
        summary[f"best_{names[0]}"] = result["best"]["values"][names[0]]
        tracking.set_tags(client, parent, {"best_trial": result["best"]["number"]})
    update_parent(client, parent, study, study_name, names)
    if "pareto_front" in result:
        tracking.set_tags(client, parent, {"pareto_front": ",".join(
            str(t["number"]) for t in result["pareto_front"])})
    tracking.log_metrics(client, parent, summary, step=complete)


class TrialFinished:
    """Optuna callback, run by the worker that ran the trial once Optuna has stored its state:
    rename the trial's run with its score and refresh the parent's best. MLflow errors are
    logged, never raised: they must not stop the study."""

    def __init__(self, client: MlflowClient, parent: str, study_name: str, names: list[str]):
        self.client, self.parent, self.study_name, self.names = client, parent, study_name, names

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if trial.user_attrs.get(PENDING_ATTR):
            return  # the tracking store failed in the trial: each call would wait for it again
        try:
            run_id, config = trial.user_attrs.get("mlflow_run_id"), trial.user_attrs.get("config")
            if run_id and config:
                failed = trial.state != optuna.trial.TrialState.COMPLETE
                values = None if failed else dict(zip(self.names, trial.values, strict=True))
                run_context.rename(self.client, run_id,
                                   trial_name(trial.number, config, values, failed=failed))
            update_parent(self.client, self.parent, study, self.study_name, self.names)
        except tracking.LOGGING_ERRORS as e:
            tracking.warn_unreachable(self.client.tracking_uri, e, LATER)
        except Exception as e:
            log.warning("could not update the MLflow runs of trial %s: %s", trial.number, e)
