"""longest: the longest draft, a control: it shows how much of a gain is only length."""

from __future__ import annotations

from mopa.programs.aggregators.base import Aggregation, Aggregator, Context, picked
from mopa.programs.aggregators.registry import register


@register
class Longest(Aggregator):
    name = "longest"
    description = "the longest draft (a length control)"

    def aggregate(self, drafts: list[str], context: Context) -> Aggregation:
        return picked(drafts, [float(len(d.split())) for d in drafts])
