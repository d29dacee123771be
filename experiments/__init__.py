"""The report's experiments, each declared as data in its own file, run by ``mopa experiment``.

Installed as ``mopa.experiments`` (pyproject.toml maps the top-level ``experiments/`` folder there).
"""

from mopa.experiments import agents, aggregators, depth, systems, table
from mopa.experiments.spec import Experiment, System

EXPERIMENTS: dict[str, Experiment] = {
    e.name: e for e in (table.EXPERIMENT, aggregators.EXPERIMENT, agents.EXPERIMENT,
                         depth.EXPERIMENT, systems.EXPERIMENT)
}

__all__ = ["EXPERIMENTS", "Experiment", "System"]
