"""What the tune tests share: running ``tune`` from flag values, and reading what it logged."""

from dataclasses import asdict

import optuna
from mlflow import MlflowClient

from mopa.optimizers.search_space import space_from_flags
from mopa.optimizers.settings import SpaceFlags, StudySettings, TuneSettings, fixed
from mopa.optimizers.tune import tune
from mopa.programs import ProgramOptions
from mopa.runs import tracking
from mopa.runs.settings import DataSettings, RunSettings, TrackingSettings
from mopa.settings import from_args


def run_tune(scoring=None, **flags):
    """``tune`` with its settings built from flag values, as ``mopa tune`` builds them."""
    settings = (from_args(DataSettings, flags), from_args(RunSettings, fixed(flags)),
                from_args(StudySettings, flags), from_args(TuneSettings, flags))
    return tune(*settings, space_from_flags(**asdict(from_args(SpaceFlags, flags))),
                from_args(ProgramOptions, fixed(flags)),
                tracking_settings=from_args(TrackingSettings, flags), scoring=scoring)


def mlflow_runs(kwargs):
    client = MlflowClient(kwargs["tracking_uri"])
    experiment = client.get_experiment_by_name(kwargs["experiment"])
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    parents = [r for r in runs if tracking.PARENT_TAG not in r.data.tags]
    children = [r for r in runs if tracking.PARENT_TAG in r.data.tags]
    return client, parents, children


def load_study(kwargs):
    return optuna.load_study(study_name=kwargs["study"], storage=kwargs["storage"])
