"""Keeping a study right when its workers die or are stopped.

A worker killed mid-trial (kill -9, a crash, a lost machine) leaves its trial RUNNING in Optuna
and its MLflow run RUNNING. Such a trial is *lost*: it is marked FAIL with a ``fail_reason``,
its MLflow run FAILED with the same reason, and it is queued again (a WAITING trial with the same
params, up to ``MAX_RETRIES`` times). The retry runs in the first attempt's run directory
(``first_attempt``), so the examples that attempt finished are reused, not recomputed. A trial
stopped by Ctrl-C or SIGTERM is queued again the same way, so rerunning the command resumes it.

How a trial is found lost:
- its worker (``WORKER_ATTR``: host, pid, process start time) ran on this machine and that
  process is gone: found at once when any worker on the machine starts or ends a trial
  (machines are told apart by host name: containers sharing one would confuse this);
- otherwise by Optuna's heartbeat (RDB storages only; see ``study.open_storage``): no heartbeat
  for ``GRACE_PERIOD`` seconds. A journal file has no heartbeat: there, another machine's dead
  worker's trial stays RUNNING (fail it with ``optuna`` by hand);
- a trial that never recorded its worker (killed within milliseconds of starting) is lost once
  it is ``GRACE_PERIOD`` seconds old.

The study's MLflow parent run is RUNNING while any trial is (another worker's included): a
worker ending closes it only when no trial is left running. A trial of a dead worker counts as
running until it is found lost, so the parent of a study whose last worker ended within that
time stays RUNNING until the next ``mopa tune`` on the study.
"""

from __future__ import annotations

import logging
import os
import socket
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import optuna
from mlflow import MlflowClient
from mlflow.entities import RunStatus
from optuna.trial import FrozenTrial, TrialState

from mopa.costs.budget import BudgetReached
from mopa.runs import tracking
from mopa.signals import stop_reason

log = logging.getLogger(__name__)

WORKER_ATTR = "worker"
FIRST_ATTEMPT_ATTR = "first_attempt"
MAX_RETRIES = 3
# Heartbeats: a live worker writes one every HEARTBEAT_INTERVAL s; a trial whose last one is
# older than GRACE_PERIOD is lost. Short, so a dead remote worker's trial is retried soon; a
# few missed beats long, so a busy database does not fail a live trial.
HEARTBEAT_INTERVAL, GRACE_PERIOD = 10, 40


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux), which tells a reused pid
    from the original process; None where /proc is not there."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # field 22; the name may hold spaces


def this_worker() -> dict:
    return {"host": socket.gethostname(), "pid": os.getpid(), "started": _start_time(os.getpid())}


def worker_is_gone(worker: dict | None) -> bool:
    """True only when sure: the worker ran on this machine and its process no longer exists
    (or its pid now belongs to a process started later). Another machine's worker: False."""
    if not isinstance(worker, dict) or worker.get("host") != socket.gethostname():
        return False
    pid = worker.get("pid")
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        pass
    started = worker.get("started")
    return started is not None and _start_time(pid) not in (None, started)


def first_attempt(trial: optuna.Trial | FrozenTrial) -> int:
    """The number of the trial this one retries (its own if it is no retry): its run directory."""
    return int(trial.user_attrs.get(FIRST_ATTEMPT_ATTR, trial.number))


def retry(study: optuna.Study, trial: optuna.Trial | FrozenTrial, reason: str,
          limited: bool = True) -> None:
    """Queue ``trial`` again with its params. ``limited``: at most ``MAX_RETRIES`` times (a
    trial that keeps killing its worker is not run forever); Ctrl-C retries are not limited.
    The system attrs are those of Optuna's ``RetryHeartbeatStaleTrialCallback`` (its
    ``retried_trial_number`` works); the history is also a user attr, which a live trial shows."""
    history = [*trial.user_attrs.get("retry_history", []), trial.number]
    if limited and len(history) > MAX_RETRIES:
        log.warning("trial %d was lost %d times: not retried again", trial.number, len(history))
        return
    study.add_trial(optuna.trial.create_trial(
        state=TrialState.WAITING, params=trial.params, distributions=trial.distributions,
        user_attrs={FIRST_ATTEMPT_ATTR: first_attempt(trial), "retry_of": trial.number,
                    "retry_reason": reason, "retry_history": history},
        system_attrs={"failed_trial": history[0], "retry_history": history}))


def lost_trial_handler(client: MlflowClient) -> Callable[[optuna.Study, FrozenTrial], None]:
    """What to do with a trial found lost (already FAIL): Optuna's heartbeat calls it too."""

    def lost(study: optuna.Study, trial: FrozenTrial, reason: str | None = None) -> None:
        reason = reason or (f"its worker stopped sending heartbeats for {GRACE_PERIOD}s "
                            "(killed, or its machine died)")
        run_id = trial.user_attrs.get("mlflow_run_id")
        if run_id:
            try:
                tracking.fail_run(client, run_id, reason)
            except Exception as e:  # the study matters more than its MLflow mirror
                log.warning("could not mark MLflow run %s FAILED: %s", run_id, e)
        retry(study, trial, reason)
        log.warning("trial %d was lost (%s)", trial.number, reason)

    return lost


def _why_lost(trial: FrozenTrial) -> str | None:
    worker = trial.user_attrs.get(WORKER_ATTR)
    if worker_is_gone(worker):
        return f"its worker (pid {worker['pid']} on {worker['host']}) died mid-trial"
    started = trial.datetime_start
    # ``guarded`` records the worker milliseconds after Optuna starts the trial: a trial still
    # without one long after was started by a worker that died at once.
    if worker is None and started and (datetime.now() - started).total_seconds() > GRACE_PERIOD:
        return "its worker died as the trial started (it never recorded itself)"
    return None


def sweep(study: optuna.Study, client: MlflowClient) -> int:
    """Fail and requeue the lost trials of ``study``; how many this worker handled."""
    lost = lost_trial_handler(client)
    found = 0
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        reason = _why_lost(trial)
        if reason is None:
            continue
        storage = study._storage  # no public API sets attrs of another process's trial
        try:
            storage.set_trial_user_attr(trial._trial_id, "fail_reason", reason)
            if not storage.set_trial_state_values(trial._trial_id, TrialState.FAIL):
                continue
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # another worker got there first and handles it
        lost(study, trial, reason)
        found += 1
    with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)  # calls the handler set in open_storage
    return found


def guarded(objective: Callable[[optuna.Trial], object]) -> Callable[[optuna.Trial], object]:
    """``objective`` recording which worker runs the trial, and queueing the trial again when
    Ctrl-C, SIGTERM or the budget (``--max-cost``) stops it (Optuna marks it FAIL; the
    objective ends its MLflow run KILLED); the budget also stops the study, which ``tune`` then
    says."""

    def run(trial: optuna.Trial):
        trial.set_user_attr(WORKER_ATTR, this_worker())
        try:
            return objective(trial)
        except KeyboardInterrupt as e:  # SIGTERM too (mopa.signals)
            retry(trial.study, trial, stop_reason(e), limited=False)
            raise
        except BudgetReached:
            retry(trial.study, trial, "stopped by --max-cost", limited=False)
            trial.study.stop()
            raise

    return run


def close_parent(study: optuna.Study, client: MlflowClient, parent: str,
                 interrupted: bool = False) -> bool:
    """End the study's parent run (KILLED after Ctrl-C) unless a trial is still running: then
    the worker running it ends it. True if it was ended."""
    sweep(study, client)
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    if running:
        log.info("MLflow parent run %s stays RUNNING: trial(s) %s still running", parent,
                 ", ".join(str(t.number) for t in running))
        return False
    status = RunStatus.KILLED if interrupted else RunStatus.FINISHED
    client.set_terminated(parent, RunStatus.to_string(status))
    return True


DEFAULT_TRIALS = 10
FINISHED_OK = (TrialState.COMPLETE, TrialState.PRUNED)


def trial_budget(study: optuna.Study, trials: int | None,
                 n_total: int | None) -> tuple[int, list[Callable]]:
    """How many trials this worker may start, and the Optuna callbacks that stop it once the
    study has ``n_total`` complete (or pruned) trials, whoever ran them. Failed trials do not
    count: the worker starts at most as many as are missing, and a rerun tries again."""
    if n_total is None:
        return (DEFAULT_TRIALS if trials is None else trials), []
    done = len(study.get_trials(deepcopy=False, states=FINISHED_OK))
    missing = max(0, n_total - done)
    if not missing:
        log.warning("study %r already has %d complete trials (--n-total %d): nothing to run",
                    study.study_name, done, n_total)
    budget = missing if trials is None else min(trials, missing)
    return budget, [optuna.study.MaxTrialsCallback(n_total, states=FINISHED_OK)]
