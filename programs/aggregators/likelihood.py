"""likelihood: the draft the LM finds most probable, per token, after the user's retrieved past
texts and the query; one prefill-only scoring pass per draft."""

from __future__ import annotations

from mopa.programs.aggregators.base import Aggregation, Context, picked
from mopa.programs.aggregators.logprob import LogProbAggregator
from mopa.programs.aggregators.registry import register


@register
class Likelihood(LogProbAggregator):
    name = "likelihood"
    description = "the draft most probable after the user's texts"

    def aggregate(self, drafts: list[str], context: Context) -> Aggregation:
        record = context.record()
        return picked(drafts, [self.mean_logprob(record, d) for d in drafts])
