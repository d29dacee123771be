"""merge: the report's aggregator, an LM call that integrates the layer's drafts into one text.

It is its own DSPy predictor (a ``dspy.Predict`` that aggregates), so optimizers and saved
programs see its prompt under the program's ``aggregator`` attribute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import dspy

from mopa.programs.aggregators.base import Aggregation, Aggregator, Context
from mopa.programs.aggregators.registry import register
from mopa.programs.aggregators.searched import AGGREGATOR_TEMPERATURE
from mopa.programs.calls import format_drafts, write
from mopa.signatures import Aggregate, for_task
from mopa.tasks import get_task

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool
    from mopa.programs.config import ProgramConfig


@register
class Merge(dspy.Predict, Aggregator):
    name = "merge"
    description = "an LM call that merges the drafts (the report's aggregator)"
    lm_calls = 1
    uses_lm = True
    searched = (AGGREGATOR_TEMPERATURE,)

    def __init__(self, config: ProgramConfig, lms: LMPool | None = None):
        super().__init__(for_task(Aggregate, get_task(config.task)))
        if lms is not None and config.aggregator_lm:
            self.set_lm(lms.get(config.aggregator_lm))

    def aggregate(self, drafts: list[str], context: Context) -> Aggregation:
        call = {}
        if context.config.aggregator_temperature is not None:
            call["temperature"] = context.config.aggregator_temperature
        return Aggregation(write(self, context.config, context.user_words, call,
                                 query=context.query, drafts=format_drafts(drafts)))
