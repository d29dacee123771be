"""The MLflow run of one ``mopa compile``: created when the compile starts (so its Duration is
the compile's and a crash leaves it FAILED, not missing), named ``compile mipro rag-mopa 2×1
merge`` and then ``… · meteor 0.104→0.121``, with the train and validation examples as dataset
inputs, params, before/after metrics, the program JSON, and the compiled program as an MLflow
model (``mopa.program_models``), optionally registered.

With ``--traces``, MLflow's DSPy autologging runs while this run is the active one, so the
optimizer's own evaluation runs nest under it and its traces point at it (started on their own,
they made a second, randomly named run that nothing linked to the compile).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dspy
import mlflow
from mlflow import MlflowClient

from mopa.data import Example
from mopa.optimizers.settings import OptimizerSettings
from mopa.program_models import log_program_model
from mopa.programs import ProgramConfig
from mopa.redaction import redact
from mopa.runs import run_context, tracking
from mopa.runs.run_context import structure
from mopa.runs.settings import RunSettings
from mopa.scoring.registry import HEADLINE, metric_keys


class CompileRun:
    def __init__(self, tracking_uri: str | None, experiment: str):
        self.tracking_uri, self.experiment = tracking_uri, experiment
        self.client = self.run_id = None
        self.name = "compile"

    def start(self, config: ProgramConfig, optimizer: OptimizerSettings, settings: RunSettings,
              source: str, train: list[Example], val: list[Example],
              val_source: str | None = None) -> None:
        self.client = MlflowClient(tracking.configure(self.tracking_uri))
        experiment_id = tracking.get_or_create_experiment(self.client, self.experiment)
        self.name = f"compile {optimizer.optimizer} {structure(config.as_dict())}"
        params = {"optimizer": optimizer.optimizer, "metric": optimizer.metric,
                  "train": len(train), "val": len(val), "lm": settings.lm,
                  "api_base": redact(settings.api_base),
                  "prompt_lm": optimizer.prompt_lm, "reflection_lm": optimizer.reflection_lm,
                  **tracking.flatten_config(config.as_dict())}
        self.run_id = tracking.start_run(self.client, experiment_id, self.name, params=params)
        note = (f"`mopa compile` of {structure(config.as_dict())} with {optimizer.optimizer} "
                f"(metric {optimizer.metric}) on {len(train)} training examples of `{source}`; "
                f"scored before and after on {len(val)} validation examples.")
        run_context.describe(self.client, self.run_id, "compile", note=note, examples=train,
                             source=source, context="train")
        run_context.log_dataset(self.client, self.run_id, val, val_source or source,
                                "validation")

    @contextmanager
    def traced(self, enabled: bool) -> Iterator[None]:
        """With ``--traces``: autolog the optimizer's runs and traces under this run."""
        if not enabled:
            yield
            return
        mlflow.set_experiment(self.experiment)
        mlflow.dspy.autolog(log_traces=True, log_traces_from_compile=True, log_compiles=True,
                            silent=True)
        try:
            # The active run: autolog's compile logging uses it instead of making its own.
            with mlflow.start_run(run_id=self.run_id):
                yield
        finally:
            mlflow.flush_trace_async_logging()
            mlflow.dspy.autolog(disable=True)

    def finish(self, result: dict, compiled: dspy.Module, config: ProgramConfig,
               register: str | None = None) -> dict:
        """Metrics, program file and model; returns what to add to the compile's result."""
        client, run_id = self.client, self.run_id
        tracking.log_params(client, run_id,
                            {"test": result["test"]["n"] if result["test"] else 0})
        tracking.log_metrics(client, run_id, {f"{name}_{when}_{m}": result[name][when][m]
                                              for name in ("selection", "test") if result[name]
                                              for when in ("before", "after", "copy_latest")
                                              for m in metric_keys(result[name][when])})
        tracking.log_artifacts(client, run_id, [result["program_file"]])
        info = log_program_model(compiled, config, run_id, register)
        scores = result["test"] or result["selection"]
        # The sections score the default metrics; another optimized metric names no column.
        metric = result["metric"] if result["metric"] in scores["before"] else HEADLINE
        run_context.rename(client, run_id, f"{self.name} · {metric} "
                           f"{scores['before'][metric]:.3f}→{scores['after'][metric]:.3f}")
        tracking.finish_run(client, run_id)
        return {"mlflow_run_id": run_id, "model_uri": info.model_uri,
                "run_model_uri": f"runs:/{run_id}/{info.name or 'program'}",
                "registered_model": (f"models:/{register}/{info.registered_model_version}"
                                     if register else None)}

    def fail(self, error: BaseException) -> None:
        if self.run_id is not None:
            tracking.stop_run(self.client, self.run_id, error)
