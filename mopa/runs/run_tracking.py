"""``mopa run`` and ``mopa evaluate`` in MLflow, when a tracking URI is given
(``--tracking-uri``). A run: one MLflow run named like a tune trial
(``rag-mopa 2×2 merge · meteor 0.104``), with the run's settings and program as params, its
metrics as a tune trial logs them, the examples as a dataset input, the git commit, and the
predictions and metrics files. Without a URI nothing is imported or written: a plain
``mopa run`` stays a local, offline command.

Only the explicit setting counts, not ``MLFLOW_TRACKING_URI``: MLflow's own
``set_tracking_uri`` writes that variable, so after any tracked command in a process (a
notebook, a test suite) every later run would start logging somewhere it was never asked to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from mopa.data import Example
from mopa.scoring.registry import headline

if TYPE_CHECKING:
    from mopa.programs import ProgramConfig
    from mopa.runs.settings import TrackingSettings
    from mopa.runs.store import RunStore


def given_uri(tracking_settings: TrackingSettings | None) -> str | None:
    return tracking_settings.tracking_uri if tracking_settings else None


@contextmanager
def tracked_run(tracking_settings: TrackingSettings | None, command: str, config: ProgramConfig,
                examples: list[Example], source: str,
                manifest: dict) -> Iterator[Callable[[dict, RunStore], None]]:
    """Yields ``done(metrics, store)``, to call once the run is scored; a run left by an
    exception is marked FAILED (KILLED by Ctrl-C or SIGTERM). Without a tracking URI, ``done``
    does nothing; a tracking store that fails is one warning line, and the run goes on."""
    uri = given_uri(tracking_settings)
    if not uri:
        yield lambda metrics, store: None
        return
    # Lazy: MLflow takes seconds to import; a run without --tracking-uri never needs it.
    from mlflow import MlflowClient

    from mopa.runs import run_context, tracking

    client = MlflowClient(tracking.configure(uri))
    def later():  # a tracking store that does not answer costs the run its MLflow run only
        return tracking.may_fail(uri, f"the run's results are saved in its --out; rerun the "
                                      f"same `mopa {command}` to log them (it computes nothing "
                                      "again)")

    run_id = None
    with later():
        experiment = tracking.get_or_create_experiment(
            client, (tracking_settings.experiment if tracking_settings else None)
            or f"mopa-{command}")
        program_file = manifest.get("program_file")
        name = run_context.structure(config.as_dict()) + (" compiled" if program_file else "")
        params = {**tracking.flatten_config(config.as_dict()),
                  **{k: v for k, v in manifest.items()
                     if k != "config" and not isinstance(v, dict)}}
        run_id = tracking.start_run(client, experiment, name, params=params)
        note = (f"`mopa {command}` of {name}"
                + (f" from `{program_file}`" if program_file else "")
                + f" on {len(examples)} examples of `{source}`.")
        run_context.describe(client, run_id, command, note=note, examples=examples,
                             source=source)

    def done(metrics: dict, store: RunStore) -> None:
        if run_id is None:
            return
        with later():
            tracking.log_run_metrics(client, run_id, metrics)
            tracking.log_artifacts(client, run_id, [store.predictions_path, store.metrics_path,
                                                    store.dir / "run.json"])
            run_context.rename(client, run_id, f"{name} · {headline(metrics['final'])}")
            tracking.finish_run(client, run_id)

    try:
        yield done
    except BaseException as e:
        if run_id is not None:
            with later():
                tracking.stop_run(client, run_id, e)
        raise


def log_evaluation(tracking_settings: TrackingSettings | None, examples: list[Example],
                   source: str, predictions: str, metrics: dict, clean: bool) -> str | None:
    """``mopa evaluate --tracking-uri``: one finished run with the scores of a predictions file
    (made by any system) on ``source``, the file itself as an artifact; its id, or None."""
    uri = given_uri(tracking_settings)
    if not uri:
        return None
    # Lazy: MLflow takes seconds to import; without --tracking-uri nothing is logged.
    from mlflow import MlflowClient

    from mopa.runs import run_context, tracking

    client = MlflowClient(tracking.configure(uri))
    experiment = tracking.get_or_create_experiment(
        client, (tracking_settings.experiment if tracking_settings else None) or "mopa-evaluate")
    path = Path(predictions)
    label = path.parent.name if path.name == "predictions.jsonl" and path.parent.name else path.name
    run_id = tracking.start_run(client, experiment, label,
                                params={"data": source, "predictions": str(path), "clean": clean})
    run_context.describe(
        client, run_id, "evaluate", name=f"{label} · {headline(metrics)}",
        note=f"`mopa evaluate` of `{path}` on {len(examples)} examples of `{source}` "
             f"({metrics.get('missing', 0)} without a prediction, scored 0).",
        examples=examples, source=source)
    tracking.log_metrics(client, run_id, {k: v for k, v in metrics.items()
                                          if isinstance(v, (int, float))})
    tracking.log_artifacts(client, run_id, [path])
    tracking.finish_run(client, run_id)
    return run_id
