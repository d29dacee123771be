"""A toy aggregator, as one file: the shortest draft, rewritten by one LM call and cut to the
target length. It is what a new aggregator module in programs/aggregators/ looks like; being
outside the package, it joins when the tests that use it register it."""

from __future__ import annotations

import dspy

from mopa.programs.aggregators.base import Aggregation, Aggregator, Context
from mopa.programs.aggregators.searched import TARGET_FACTOR


class Toy(Aggregator):
    name = "toy"
    description = "the shortest draft, rewritten by the LM and cut to the user's length"
    lm_calls = 1
    uses_lm = True
    searched = (TARGET_FACTOR,)

    def aggregate(self, drafts: list[str], context: Context) -> Aggregation:
        scores = [-float(len(d.split())) for d in drafts]
        shortest = max(range(len(drafts)), key=lambda i: (scores[i], -i))
        words = dspy.settings.lm(f"Rewrite: {drafts[shortest]}")[0].split()
        if context.target_words is not None:
            words = words[:max(1, round(context.target_words))]
        return Aggregation(" ".join(words), shortest, tuple(scores))
