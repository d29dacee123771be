"""consensus: minimum-Bayes-risk selection, the draft with the highest mean similarity to the
other drafts (what most samples agree on). No LM call."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean

from mopa.programs.aggregators.base import Aggregation, Aggregator, Context, picked
from mopa.programs.aggregators.registry import register
from mopa.programs.aggregators.searched import SIMILARITY
from mopa.programs.aggregators.text import similarity


def consensus(drafts: Sequence[str], metric: str = "meteor") -> Aggregation:
    if len(drafts) == 1:
        return Aggregation(drafts[0], 0, (1.0,))
    scores = [fmean(similarity(d, other, metric) for j, other in enumerate(drafts) if j != i)
              for i, d in enumerate(drafts)]
    return picked(drafts, scores)


@register
class Consensus(Aggregator):
    name = "consensus"
    description = "the draft the others agree with most"
    searched = (SIMILARITY,)

    def aggregate(self, drafts: list[str], context: Context) -> Aggregation:
        return consensus(drafts, context.config.similarity)
