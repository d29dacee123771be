"""A trial's MLflow logging, which never fails or loses the trial.

A tracking server that dies mid-study must cost the study its MLflow mirror for a while, not
its results: the examples are in the trial's run directory and its values in Optuna. So every
MLflow call of a trial goes through ``TrialLog``: the first one that fails prints one line
naming the tracking URI (``tracking.warn_unreachable``), the trial's other MLflow calls are
skipped (each would wait for the server again), the trial is marked ``PENDING_ATTR`` and goes on
to COMPLETE (or FAIL for its own reasons).

``log_pending`` puts the MLflow runs right afterwards, at the end of the study and at the next
``mopa tune`` on it, from what Optuna and the run directory keep: a finished trial whose run is
still RUNNING (its logging failed, or its worker was stopped while the server was down) is
logged and FINISHED when it completed, or ended FAILED (KILLED when Ctrl-C or SIGTERM stopped
it) with its ``fail_reason``; a completed trial whose run was never created gets one. A
finished trial's attrs cannot change, so the study records that trial N was logged afterwards
(``LOGGED_PREFIX`` + N: its run id).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import optuna
from mlflow import MlflowClient
from optuna.trial import FrozenTrial, TrialState

from mopa.data import Example
from mopa.optimizers.trial_runs import LATER, PENDING_ATTR, describe_trial, trial_name
from mopa.runs import run_context, tracking

log = logging.getLogger(__name__)
RUN_PARAMS_ATTR = "run_params"
LOGGED_PREFIX = "mlflow_logged_trial_"
_STOPPED = ("KeyboardInterrupt", "Terminated")  # the fail reasons of Ctrl-C and SIGTERM


class TrialLog:
    """The MLflow calls of one running trial: the first failure ends them (see module doc)."""

    def __init__(self, client: MlflowClient, trial: optuna.Trial):
        self.client, self.trial = client, trial
        self.run_id: str | None = None
        self.broken = False

    def start(self, experiment_id: str, parent: str, study_name: str) -> None:
        self.run_id = self._safely(tracking.start_run, experiment_id, f"trial-{self.trial.number}",
                                   parent_run_id=parent,
                                   tags={"optuna.trial_number": self.trial.number,
                                         "optuna.study_name": study_name})
        if self.run_id:
            self.trial.set_user_attr("mlflow_run_id", self.run_id)

    def call(self, log_to_run: Callable, *args) -> None:
        """``log_to_run(client, run_id, *args)``, unless the trial's logging already failed."""
        if self.run_id is not None:
            self._safely(log_to_run, self.run_id, *args)

    def _safely(self, function: Callable, *args, **kwargs):
        if self.broken:
            return None
        try:
            return function(self.client, *args, **kwargs)
        except tracking.LOGGING_ERRORS as e:
            self.broken = True
            self.trial.set_user_attr(PENDING_ATTR, True)
            tracking.warn_unreachable(self.client.tracking_uri, e, LATER)
            return None


def tracking_may_fail(client: MlflowClient):
    """MLflow calls of the study whose failure is one warning line, not the command's error."""
    return tracking.may_fail(client.tracking_uri, LATER)


def log_pending(study: optuna.Study, client: MlflowClient, experiment_id: str, parent: str,
                names: list[str], examples: list[Example], source: str) -> int:
    """Bring the MLflow runs of the study's finished trials in line with Optuna (module doc);
    how many it fixed. MLflow errors are one warning: the next call tries again."""
    try:
        open_runs = {r.info.run_id for r in client.search_runs(
            [experiment_id], filter_string="attributes.status = 'RUNNING'", max_results=5000)
            if r.data.tags.get(tracking.PARENT_TAG) == parent}
        fixed = 0
        logged_later = study.user_attrs
        for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,
                                                              TrialState.FAIL,
                                                              TrialState.PRUNED)):
            run_id = trial.user_attrs.get("mlflow_run_id")
            if run_id in open_runs:
                _close(client, run_id, trial, study.study_name, names, examples, source)
            elif (run_id is None and trial.state == TrialState.COMPLETE
                  and trial.user_attrs.get(PENDING_ATTR)
                  and LOGGED_PREFIX + str(trial.number) not in logged_later):
                run_id = tracking.start_run(
                    client, experiment_id, f"trial-{trial.number}", parent_run_id=parent,
                    tags={"optuna.trial_number": trial.number,
                          "optuna.study_name": study.study_name, "logged_later": "true"})
                _close(client, run_id, trial, study.study_name, names, examples, source)
                study.set_user_attr(LOGGED_PREFIX + str(trial.number), run_id)
            else:
                continue
            fixed += 1
    except tracking.LOGGING_ERRORS as e:
        tracking.warn_unreachable(client.tracking_uri, e, LATER)
        return 0
    if fixed:
        log.warning("mopa: logged %d trial run(s) to MLflow that an earlier failure of the "
                    "tracking store had left unlogged or RUNNING", fixed)
    return fixed


def _close(client: MlflowClient, run_id: str, trial: FrozenTrial, study_name: str,
           names: list[str], examples: list[Example], source: str) -> None:
    """End a finished trial's run as the trial ended, logging a completed trial's results."""
    if trial.state != TrialState.COMPLETE:
        reason = trial.user_attrs.get("fail_reason") or f"the trial ended {trial.state.name}"
        tracking.fail_run(client, run_id, reason, killed=reason.startswith(_STOPPED))
        return
    config = trial.user_attrs.get("config") or {}
    run_params = trial.user_attrs.get(RUN_PARAMS_ATTR) or {}
    run_dir = Path(trial.user_attrs.get("run_dir", ""))
    tracking.log_params(client, run_id, {**tracking.flatten_config(config), **run_params})
    describe_trial(client, run_id, trial.number, config, run_params, study_name, examples,
                   source, str(run_dir))
    try:
        metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):  # another machine's run directory: what Optuna keeps
        metrics = None
    if metrics:
        tracking.log_run_metrics(client, run_id, metrics)
        tracking.log_artifacts(client, run_id, [run_dir / "predictions.jsonl",
                                                run_dir / "metrics.json", run_dir / "run.json"])
    else:
        tracking.log_metrics(client, run_id, {
            k: v for k, v in {**(trial.user_attrs.get("final") or {}),
                              **(trial.user_attrs.get("per_example") or {})}.items()
            if isinstance(v, (int, float))})
    run_context.rename(client, run_id, trial_name(trial.number, config,
                                                  dict(zip(names, trial.values, strict=True))))
    tracking.finish_run(client, run_id)
