"""contrast: likelihood with the user's texts minus likelihood with the query alone, i.e. the
draft most specific to this user rather than the most generic one; two scoring passes per
draft."""

from __future__ import annotations

from mopa.programs.aggregators.base import Aggregation, Context, picked
from mopa.programs.aggregators.logprob import LogProbAggregator
from mopa.programs.aggregators.registry import register


@register
class Contrast(LogProbAggregator):
    name = "contrast"
    description = "the draft the user's texts make more probable than the query alone"

    def aggregate(self, drafts: list[str], context: Context) -> Aggregation:
        with_user, generic = context.record(), context.record(with_profile=False)
        return picked(drafts, [self.mean_logprob(with_user, d) - self.mean_logprob(generic, d)
                               for d in drafts])
