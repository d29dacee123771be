"""The program settings aggregators read that ``mopa tune`` searches, with their ranges.

An aggregator lists the ones it reads (``Aggregator.searched``); a trial suggests exactly those
for the aggregator it picked, in the order of ``SEARCHED``. Each is a ``ProgramConfig`` field,
a dimension of the search space and a tune flag of the same meaning. Light on purpose: the
flags are declared from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mopa.temperatures import HIGHEST

SIMILARITIES = ("meteor", "rougeL")  # how much two drafts agree (see text.similarity)


@dataclass(frozen=True)
class Searched:
    name: str  # the ProgramConfig field, and the Optuna parameter
    space: str  # the SearchSpace field and tune flag holding its choices or range
    default: tuple  # what tune searches by default: a pool of choices, or (low, high)
    help: str  # what the tune flag sets, before its default
    choices: tuple = ()  # a pool's allowed values; empty: a float range
    check: Callable[[float, float], bool] | None = None  # the bounds a range must keep
    bounds: str = ""  # those bounds in words
    example: str = ""
    off: str = ""  # what "none" means, if allowed (the setting keeps its default)

    @property
    def flag_help(self) -> str:
        shown = ",".join(self.default) if self.choices else f"{self.default[0]}-{self.default[1]}"
        off = f", or none ({self.off})" if self.off else ""
        return f"{self.help} (default {shown}){off}"

    def suggest(self, trial, value: tuple):
        """The trial's value from the space's pool or range."""
        if self.choices:
            return trial.suggest_categorical(self.name, list(value))
        return trial.suggest_float(self.name, *value)


AGGREGATOR_TEMPERATURE = Searched(
    "aggregator_temperature", "aggregator_temperature", (0.0, 1.0),
    "merge's temperature: T or LOW-HIGH", check=lambda lo, hi: 0 <= lo <= hi <= HIGHEST,
    bounds="0 <= LOW <= HIGH <= 2", example="0.0-1.0", off="its LM's")
SIMILARITY = Searched(
    "similarity", "similarities", SIMILARITIES, "consensus/fusion similarity pool",
    choices=SIMILARITIES)
TARGET_FACTOR = Searched(
    "target_factor", "target_factor", (0.8, 1.6),
    "fusion/concat length, x the user's median: F or LOW-HIGH",
    check=lambda lo, hi: 0 < lo <= hi, bounds="0 < LOW <= HIGH", example="0.8-1.6")

# In the order a trial suggests them (samplers draw in call order: a new order would change
# every study's draws).
SEARCHED = (AGGREGATOR_TEMPERATURE, SIMILARITY, TARGET_FACTOR)
