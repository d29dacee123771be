"""MLflow helpers shared by ``mopa tune``, ``mopa compile`` and the experiments.

Everything goes through an explicit ``MlflowClient`` and run ids rather than MLflow's fluent
"active run": several threads or worker processes can then log to their own runs safely, and a
parent run created by one process can receive child runs from another.

Secrets: every param, tag and failure reason goes through ``mopa.redaction.redact`` here, so no
caller can log a URL password or key by forgetting to redact it first.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunStatus, RunTag
from mlflow.exceptions import MlflowException

from mopa.errors import one_line
from mopa.redaction import redact
from mopa.runs.sqlite_files import create_whole, initialize_mlflow
from mopa.scoring.registry import metric_keys

log = logging.getLogger(__name__)
PARENT_TAG = "mlflow.parentRunId"
# MLflow's own defaults (120 s per request, 7 retries with backoff) spend minutes per call on
# a tracking server that died; MoPA keeps its results without MLflow and logs them later, so
# it asks little of each call. Set only where the user has not chosen a value.
HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_TIMEOUT": "20", "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2"}
# What a tracking store that does not answer raises (requests' errors are OSErrors).
LOGGING_ERRORS = (MlflowException, OSError)
_warned: set[str] = set()
_MAX_TAG = 5000  # MLflow rejects longer tag values
_BATCH = 100  # MLflow's log_batch limit for params (and a safe chunk for metrics)


def configure(tracking_uri: str | None) -> str:
    """Use ``tracking_uri`` when given, else MLflow's default; return the URI in effect."""
    if tracking_uri:
        mlflow.set_tracking_uri(tracking_uri)
        if redact(tracking_uri) != tracking_uri:
            # MLflow prints "View run ... at: <server URL>" when a run ends, password included.
            os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    uri = mlflow.get_tracking_uri()
    if uri.startswith(("http://", "https://")):
        for name, value in HTTP_DEFAULTS.items():
            os.environ.setdefault(name, value)
    create_whole(uri, initialize_mlflow)  # a kill while MLflow creates it must not break it
    return uri


def warn_unreachable(tracking_uri: str, error: BaseException, consequence: str) -> None:
    """One warning line per tracking store and process when logging to it fails: which store,
    why (short), and what happens to what was not logged. Later failures are not repeated."""
    uri = redact(tracking_uri)
    if uri in _warned:
        log.debug("MLflow at %s: %s", uri, redact(str(error)))
        return
    _warned.add(uri)
    why = one_line(redact(f"{type(error).__name__}: {error}"))
    # A dead server's error quotes the whole request and urllib3's retry chain; its cause
    # ("[Errno 111] Connection refused") is what says what happened.
    cause = re.search(r"\[Errno -?\d+\][^'\")]*", why)
    why = cause.group(0) if cause else why
    log.warning("mopa: MLflow tracking store %s did not answer (%s): %s", uri,
                why if len(why) <= 160 else why[:157] + "...", consequence)


@contextmanager
def may_fail(tracking_uri: str, consequence: str) -> Iterator[None]:
    """MLflow calls whose failure is one warning line (``warn_unreachable``), not the
    command's error: results on disk are worth more than their MLflow mirror."""
    try:
        yield
    except LOGGING_ERRORS as e:
        warn_unreachable(tracking_uri, e, consequence)


def ui_command(tracking_uri: str) -> str:
    """How to look at the runs: a server is its own UI; a local store needs ``mlflow ui``."""
    if tracking_uri.startswith(("http://", "https://")):
        return f"open {redact(tracking_uri)} in a browser"
    return f"mlflow ui --backend-store-uri {redact(tracking_uri)} --port 5000"


def flatten_config(config: dict) -> dict[str, str]:
    """A ``ProgramConfig.as_dict()`` as flat MLflow params, one key per agent slot field."""
    agents = list(config.get("agents") or [])
    params: dict[str, object] = {
        "preset": config.get("preset"),
        "task": config.get("task"),
        "agents": len(agents),
        "layers": config.get("layers"),
        "rag_agents": sum(a.get("kind") == "rag" for a in agents),
        "proposer_lms": ",".join(dict.fromkeys(a["lm"] for a in agents if a.get("lm"))),
        "proposer_lm": config.get("lm"),  # the single-agent presets' LM
        "planner_lm": config.get("planner_lm"),
        "aggregator_lm": config.get("aggregator_lm"),
        # The other options as they are (aggregator, refine, length_factor, ...), so that
        # runs compare on every setting a program has.
        **{k: v for k, v in config.items()
           if k not in ("preset", "task", "agents", "layers", "lm", "planner_lm", "aggregator_lm")},
    }
    for i, agent in enumerate(agents):
        params[f"kind_{i}"] = agent.get("kind")
        params[f"role_{i}"] = agent.get("role")
        params[f"lm_{i}"] = agent.get("lm")
    return flatten_params(params)


def flatten_params(params: dict) -> dict[str, str]:
    """MLflow params are strings: None becomes "none", sequences are comma-joined."""
    out = {}
    for key, value in params.items():
        if value is None:
            value = "none"
        elif isinstance(value, (list, tuple)):
            value = ",".join("none" if v is None else str(v) for v in value)
        out[key] = str(value)
    return out


def get_or_create_experiment(client: MlflowClient, name: str) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    try:
        return client.create_experiment(name)
    except MlflowException:
        # Another worker created it between our lookup and our create.
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment.experiment_id


def start_run(client: MlflowClient, experiment_id: str, name: str,
              parent_run_id: str | None = None, tags: dict | None = None,
              params: dict | None = None) -> str:
    """Create a run (nested under ``parent_run_id`` when given) and return its id."""
    all_tags = redact({str(k): str(v) for k, v in (tags or {}).items()})
    if parent_run_id:
        all_tags[PARENT_TAG] = parent_run_id
    run = client.create_run(experiment_id, run_name=name, tags=all_tags)
    if params:
        log_params(client, run.info.run_id, params)
    return run.info.run_id


def resume_run(client: MlflowClient, run_id: str, where: str) -> None:
    """Mark an existing run RUNNING again; a clear error if this tracking store lacks it."""
    try:
        client.get_run(run_id)
    except MlflowException as e:
        if e.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        raise RuntimeError(f"MLflow run {run_id} ({where}) is not in the tracking store "
                           f"{redact(client.tracking_uri)}: pass the --tracking-uri it "
                           "was created with") from None
    client.update_run(run_id, status=RunStatus.to_string(RunStatus.RUNNING))


def finish_run(client: MlflowClient, run_id: str) -> None:
    client.set_terminated(run_id, RunStatus.to_string(RunStatus.FINISHED))


def fail_run(client: MlflowClient, run_id: str, reason: str, killed: bool = False) -> None:
    """End a run FAILED, or KILLED when it was stopped (Ctrl-C, SIGTERM), with its reason."""
    client.set_tag(run_id, "fail_reason", redact(reason)[:_MAX_TAG])
    client.set_terminated(run_id, RunStatus.to_string(RunStatus.KILLED if killed
                                                      else RunStatus.FAILED))


def stop_run(client: MlflowClient, run_id: str, error: BaseException) -> None:
    """End the run that ``error`` stopped: KILLED for Ctrl-C and SIGTERM (``KeyboardInterrupt``
    and its ``mopa.signals.Terminated``), FAILED for an error."""
    fail_run(client, run_id, f"{type(error).__name__}: {error}",
             killed=isinstance(error, KeyboardInterrupt))


def log_params(client: MlflowClient, run_id: str, params: dict) -> None:
    items = [Param(k, v) for k, v in redact(flatten_params(params)).items()]
    for i in range(0, len(items), _BATCH):
        client.log_batch(run_id, params=items[i:i + _BATCH])


def set_tags(client: MlflowClient, run_id: str, tags: dict) -> None:
    items = [RunTag(k, v[:_MAX_TAG])
             for k, v in redact({str(k): str(v) for k, v in tags.items()}).items()]
    client.log_batch(run_id, tags=items)


def log_metrics(client: MlflowClient, run_id: str, values: dict[str, float],
                step: int = 0) -> None:
    now = int(time.time() * 1000)
    items = [Metric(k, float(v), now, step) for k, v in values.items() if v is not None]
    for i in range(0, len(items), _BATCH):
        client.log_batch(run_id, metrics=items[i:i + _BATCH])


def log_run_metrics(client: MlflowClient, run_id: str, metrics: dict) -> None:
    """A ``mopa.runs.runner.execute`` metrics dict: final scores (every metric the run scored,
    under its registered name), every layer (step = layer), the copy-latest baseline on the
    same examples, cost per example, and the judge's own calls, tokens and cost (``judge_*``,
    apart from the system's) when a judge scored. Layers carry the metrics that need no LM."""
    names = metric_keys(metrics["final"])
    log_metrics(client, run_id, {m: metrics["final"][m] for m in names})
    log_metrics(client, run_id, {f"copy_latest_{m}": metrics["copy_latest"][m] for m in names})
    # cost_usd is per example, as the other costs; cost_usd_total the run's dollars (neither
    # is logged when a price is unknown).
    log_metrics(client, run_id, {**metrics["per_example"], "n": metrics["n"],
                                 "failed": metrics["failed"], "empty": metrics["final"]["empty"],
                                 "cost_usd_total": metrics.get("cost_usd")})
    log_metrics(client, run_id, {f"judge_{k}": v
                                 for k, v in metrics.get("judge_usage", {}).items()})
    now = int(time.time() * 1000)
    layers = [Metric(f"{m}_by_layer", float(layer[m]), now, int(layer["layer"]))
              for layer in metrics.get("layers", []) for m in names if m in layer]
    for i in range(0, len(layers), _BATCH):
        client.log_batch(run_id, metrics=layers[i:i + _BATCH])


def log_artifacts(client: MlflowClient, run_id: str, paths: Iterable[str | Path]) -> None:
    for path in paths:
        if Path(path).exists():
            client.log_artifact(run_id, str(path))
