"""How a layer's drafts become its output: one aggregator per module of this package.

Installed as ``mopa.programs.aggregators``. This package's own import is light (no DSPy): the
command line reads the aggregators' names and the settings tune searches for them
(``searched``) to declare its flags; an aggregator's module loads when it is first looked up.
``base`` holds the interface; ``docs/extending.md`` says how to add one.
"""

from mopa.programs.aggregators.registry import (
    AGGREGATORS,
    aggregator_names,
    aggregators,
    get_aggregator,
    register,
)
from mopa.programs.aggregators.searched import SEARCHED, SIMILARITIES, Searched

__all__ = ["AGGREGATORS", "SEARCHED", "SIMILARITIES", "Searched", "aggregator_names",
           "aggregators", "get_aggregator", "register"]
