"""Compiled programs as MLflow models: ``mopa compile`` logs one with ``mlflow.dspy.log_model``
(so ``mlflow.dspy.load_model(uri)`` returns the DSPy program and ``--register NAME`` puts it in
the Model Registry), and ``mopa run --model models:/NAME/VERSION`` (or ``runs:/<run id>/program``)
runs it.

As with program files (``program_files``), no LM is saved: the program is logged with its
predictors unpinned and without a global LM (a pinned LM can hold an API base, and in-process
llama.cpp models cannot be pickled), and the MoPA config travels in the model's metadata.
Loading through MoPA rebuilds the config with the run's LMs and gives it the logged prompts
and demos. Loading with plain MLflow gives the program with the plain-text adapter it was
compiled with set globally: ``dspy.configure(lm=...)`` and call it (the likelihood and contrast
aggregators also need their scoring LM, which only MoPA's loader attaches).

MLflow's DSPy flavor pickles the program (cloudpickle): load models only from a tracking
server you trust, as with any pickled model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import dspy

from mopa.lm import PlainTextAdapter
from mopa.program_files import rebuild
from mopa.programs import ProgramConfig
from mopa.redaction import redact

if TYPE_CHECKING:
    from mlflow.models.model import ModelInfo

    from mopa.lm.pool import LMPool

MODEL_NAME = "program"  # runs:/<run id>/program
CONFIG_KEY = "mopa_config"
URI_SCHEMES = ("models:/", "runs:/")


def is_model_uri(program: object) -> bool:
    return isinstance(program, str) and program.startswith(URI_SCHEMES)


def log_program_model(program: dspy.Module, config: ProgramConfig, run_id: str,
                      register: str | None = None) -> ModelInfo:
    """Log ``program`` to the run ``run_id`` (and register it as ``register``)."""
    import mlflow  # lazy: seconds to import; mopa run loads this module, and uses MLflow rarely

    # A fresh build with the same prompts and demos and no LM anywhere (pinned predictors, the
    # likelihood/contrast aggregators' scoring LM): an in-process model cannot be pickled.
    bare = rebuild(program, config, None)
    # The flavor saves dspy.settings with the program: no LM, no callbacks (autolog's would be
    # pickled), and the adapter every MoPA program runs with.
    with mlflow.start_run(run_id=run_id), \
            dspy.context(lm=None, adapter=PlainTextAdapter(), callbacks=[]):
        return mlflow.dspy.log_model(
            bare, name=MODEL_NAME, registered_model_name=register,
            # Redacted like a program file's config (LM specs can hold URLs).
            metadata={CONFIG_KEY: redact(config.as_dict())},
            # Given, not inferred: inference imports the program in a subprocess (seconds).
            # MoPA itself must be installed to unpickle its modules.
            pip_requirements=[f"dspy=={dspy.__version__}", f"mlflow=={mlflow.__version__}"])


def load_program_model(uri: str, lms: LMPool | None = None,
                       tracking_uri: str | None = None) -> tuple[ProgramConfig, dspy.Module]:
    """The config and program logged at ``uri`` (in ``tracking_uri``, default MLflow's), built
    with ``lms`` (see ``rebuild``)."""
    # Lazy: MLflow takes seconds to import and only --model needs it (mopa run imports this).
    import mlflow
    from mlflow.exceptions import MlflowException

    if tracking_uri:
        mlflow.set_tracking_uri(tracking_uri)
    try:
        metadata = mlflow.models.get_model_info(uri).metadata or {}
        if CONFIG_KEY not in metadata:
            raise ValueError(f"{uri} is not a MoPA program (its MLflow model has no "
                             f"{CONFIG_KEY!r} metadata); log one with `mopa compile`")
        before = mlflow.get_active_model_id()
        logged = mlflow.dspy.load_model(uri)
        if before is None:
            # Loading makes the model MLflow's "active model", to which every later metric
            # of the process is linked; a process that then logs to another store (a test
            # suite, the Python API) fails on that link. MoPA runs a rebuild, not this object.
            mlflow.clear_active_model()
    except (MlflowException, OSError) as e:
        raise ValueError(f"cannot load the MLflow model {uri} from "
                         f"{redact(mlflow.get_tracking_uri())}: {str(e).splitlines()[0]} (pass the "
                         "--tracking-uri it was logged to)") from None
    config = ProgramConfig.from_dict(metadata[CONFIG_KEY])
    return config, rebuild(logged, config, lms)
