"""concat: the drafts' sentences in rollout order up to the user's usual length, a control: it
shows how much of fusion's gain is only the length and the extra drafts. It picks no draft."""

from __future__ import annotations

from collections.abc import Sequence

from mopa.programs.aggregators.base import Aggregation, Aggregator, Context
from mopa.programs.aggregators.registry import register
from mopa.programs.aggregators.searched import TARGET_FACTOR
from mopa.programs.aggregators.text import sentences


def concat(drafts: Sequence[str], target_words: float | None) -> str:
    text = drafts[0].strip()
    for draft in drafts[1:]:
        for sentence in sentences(draft):
            if target_words is None or len(text.split()) >= target_words:
                return text
            text = f"{text} {sentence}"
    return text


@register
class Concat(Aggregator):
    name = "concat"
    description = "the drafts' sentences in order, to the user's length (a length control)"
    searched = (TARGET_FACTOR,)

    def aggregate(self, drafts: list[str], context: Context) -> Aggregation:
        return Aggregation(concat(drafts, context.target_words))
