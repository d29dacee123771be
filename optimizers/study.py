"""One Optuna study shared by any number of ``mopa tune`` workers, with one MLflow parent run.

The process whose ``create_study`` succeeds creates the parent run and publishes its id in the
study's user attrs; every other process gets ``DuplicatedStudyError``, loads the study and waits
for that attr. So a study has exactly one parent run however many workers start at once.
A creator killed before publishing it leaves a study without one: the next worker sees that its
creator is gone and makes the parent run itself, instead of waiting and failing.
"""

from __future__ import annotations

import importlib.util
import logging
import socket
import time
import warnings

import optuna
import sqlalchemy.exc
from mlflow import MlflowClient
from optuna.storages.journal import JournalFileBackend

from mopa.optimizers import recovery
from mopa.redaction import redact
from mopa.runs import tracking
from mopa.runs.sqlite_files import create_whole, initialize_optuna

log = logging.getLogger(__name__)
PARENT_ATTR = "mlflow_parent_run_id"
CREATOR_ATTR = "mopa_creator"
_NO_CREATOR_WAIT = 1.0  # a creator records itself right after create_study (milliseconds)
_CLAIM_WAIT = 0.5
_SCHEMA_RACE_RETRIES = 5


def open_storage(storage: str, client: MlflowClient) -> optuna.storages.BaseStorage:
    """An RDB URL (sqlite:///, postgresql://, mysql://) or a JournalStorage file (.log)."""
    if storage.endswith((".log", ".journal")) and "://" not in storage:
        return optuna.storages.JournalStorage(JournalFileBackend(storage))
    if "://" not in storage:
        raise ValueError(f"--storage: expected an Optuna URL (sqlite:///optuna.db, "
                         f"postgresql://user:password@host/db) or a journal file ending in .log; "
                         f"got {storage!r}")

    url = _with_installed_driver(storage)
    create_whole(url, initialize_optuna)  # a kill while Optuna creates it must not break it
    for attempt in range(_SCHEMA_RACE_RETRIES):
        try:
            # Heartbeats let a live worker mark the trial of a killed worker FAIL instead of
            # leaving it RUNNING forever (Optuna flags heartbeats as experimental).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url, heartbeat_interval=recovery.HEARTBEAT_INTERVAL,
                    grace_period=recovery.GRACE_PERIOD,
                    heartbeat_stale_trial_callback=recovery.lost_trial_handler(client))
        except ImportError as e:  # Optuna re-raises the driver's ModuleNotFoundError as its cause
            missing = getattr(e.__cause__, "name", None) or getattr(e, "name", None)
            raise RuntimeError(f"Optuna storage {redact(storage)} needs the Python "
                               f"database driver {missing!r} (PostgreSQL: pip install "
                               "psycopg2-binary, then postgresql://... works)") from None
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError,
                sqlalchemy.exc.OperationalError) as e:
            # Workers opening an empty database at once race to create Optuna's tables (the
            # loser gets a duplicate-key error); SQLite may be locked. Retry: the tables exist.
            if not _is_race(e) or attempt == _SCHEMA_RACE_RETRIES - 1:
                raise _storage_error(storage, e) from None
            time.sleep(0.5 * (attempt + 1))
        except Exception as e:
            raise _storage_error(storage, e) from None


def _is_race(error: Exception) -> bool:
    text = str(error).lower()
    return not isinstance(error, sqlalchemy.exc.OperationalError) or "locked" in text


def _storage_error(storage: str, error: Exception) -> RuntimeError:
    first_line = " ".join(str(getattr(error, "orig", error)).strip().splitlines()[:1])
    return RuntimeError(f"cannot open Optuna storage {redact(storage)}: "
                        f"{type(error).__name__}: {first_line}")


def _with_installed_driver(url: str) -> str:
    """SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3; use psycopg2 when only it is here."""
    if not url.startswith("postgresql://") or importlib.util.find_spec("psycopg"):
        return url
    if importlib.util.find_spec("psycopg2"):
        return "postgresql+psycopg2://" + url[len("postgresql://"):]
    return url


def open_study(storage, storage_url: str, name: str, objectives: list[str],
               directions: list[str], client: MlflowClient, experiment: str,
               parent_params: dict, parent_timeout: float) -> tuple[optuna.Study, str, str]:
    """Create the study and its parent run, or join it: (study, parent run id, experiment id)."""
    parent_run = (experiment, parent_params)
    try:
        study = optuna.create_study(storage=storage, study_name=name, directions=directions)
    except optuna.exceptions.DuplicatedStudyError:
        return _join_study(storage, storage_url, name, objectives, directions, client,
                           parent_timeout, parent_run)
    # Who is creating the parent run: if this process dies before publishing it (kill -9),
    # a rerun sees that and makes the parent itself instead of waiting for it (``_join_study``).
    study.set_user_attr(CREATOR_ATTR, {**recovery.this_worker(), "time": time.time()})
    try:
        parent, experiment_id = _attach_parent(study, storage_url, objectives, client,
                                               *parent_run)
    except BaseException:
        # Without a parent run no worker could ever join: do not leave a half-made study.
        optuna.delete_study(study_name=name, storage=storage)
        raise
    return study, parent, experiment_id


def _attach_parent(study: optuna.Study, storage_url: str, objectives: list[str],
                   client: MlflowClient, experiment: str,
                   parent_params: dict) -> tuple[str, str]:
    name = study.study_name
    experiment_id = tracking.get_or_create_experiment(client, experiment)
    parent = tracking.start_run(client, experiment_id, name, params=parent_params,
                                tags={"optuna.study_name": name,
                                      "optuna.storage": redact(storage_url)})
    study.set_user_attr("objectives", objectives)
    # optuna-dashboard and optuna.visualization label the values with these names
    # (without them: "Objective 0"); Optuna flags the method as experimental.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(list(objectives))
    study.set_user_attr("mlflow_experiment_id", experiment_id)
    study.set_user_attr("mlflow_tracking_uri", redact(client.tracking_uri))
    study.set_user_attr(PARENT_ATTR, parent)  # last: joiners wait for this one
    return parent, experiment_id


def _join_study(storage, storage_url: str, name: str, objectives: list[str],
                directions: list[str], client: MlflowClient, parent_timeout: float,
                parent_run: tuple[str, dict]) -> tuple[optuna.Study, str, str]:
    study = optuna.load_study(study_name=name, storage=storage)
    start = time.monotonic()
    attrs = study.user_attrs
    while PARENT_ATTR not in attrs:
        waited = time.monotonic() - start
        if study.trials or waited > parent_timeout:
            # A study with trials is not being created right now: no point in waiting.
            raise RuntimeError(
                f"study {name!r} in {redact(storage_url)} has no MLflow parent run "
                f"({'it has trials' if study.trials else f'waited {parent_timeout:.0f}s'}): "
                "it was not created by mopa tune, or its creator is stuck; use a new --study, "
                f"or delete it: optuna delete-study --study-name {name} --storage <url>")
        if _creator_gone(attrs.get(CREATOR_ATTR), waited, parent_timeout):
            _check_directions(study, directions, objectives)
            if _claim(study):
                log.warning("study %r has no MLflow parent run (the process creating it "
                            "died): creating it now", name)
                parent, experiment_id = _attach_parent(study, storage_url, objectives, client,
                                                       *parent_run)
                return study, parent, experiment_id
        time.sleep(0.2)
        attrs = study.user_attrs
    if attrs.get("objectives") != objectives:
        raise ValueError(f"study {name!r} optimizes {attrs.get('objectives')}, but this run asks "
                         f"for {objectives}: pass the same --metric/--objectives or a new --study")
    parent = attrs[PARENT_ATTR]
    tracking.resume_run(client, parent, f"parent of study {name!r}, created in "
                                        f"{attrs.get('mlflow_tracking_uri')}")
    return study, parent, attrs["mlflow_experiment_id"]


def _creator_gone(creator: dict | None, waited: float, parent_timeout: float) -> bool:
    """Whether the process that created the study can no longer give it a parent run: it is
    dead (same machine), or another machine's creator is older than ``parent_timeout``, or there
    is no creator record after a moment (it dies right after ``create_study``, or the study was
    made without mopa tune and is empty: either way it is safe to adopt)."""
    if not isinstance(creator, dict):
        return waited > min(_NO_CREATOR_WAIT, parent_timeout)
    if creator.get("host") == socket.gethostname():
        return recovery.worker_is_gone(creator)
    return time.time() - float(creator.get("time", 0)) > parent_timeout


def _claim(study: optuna.Study) -> bool:
    """Best effort against two workers repairing one study at once (Optuna has no atomic
    compare-and-set on attrs): record this worker as the creator, wait, and check it stayed."""
    me = {**recovery.this_worker(), "time": time.time()}
    study.set_user_attr(CREATOR_ATTR, me)
    time.sleep(_CLAIM_WAIT)
    return study.user_attrs.get(CREATOR_ATTR) == me


def _check_directions(study: optuna.Study, directions: list[str], objectives: list[str]) -> None:
    found = [d.name.lower() for d in study.directions]
    if found != directions:
        raise ValueError(f"study {study.study_name!r} has directions {found}, but the objectives "
                         f"{objectives} need {directions}: pass matching --metric/--objectives "
                         "or a new --study")
