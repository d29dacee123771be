"""reader: the draft the ``reader`` metric scores best — the one a blind reader most likely
prefers (no repetition, nothing leaked, sentiment that matches the rating, on topic). Never
stitches drafts together. No LM call."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from mopa.data import Example
from mopa.programs.aggregators.base import Aggregation, Aggregator, Context, picked
from mopa.programs.aggregators.registry import register
from mopa.scoring.registry import get_metric


def reader_example(context: Context) -> Example:
    """The example as the reader metrics read it: the task sentence, and as the user's past
    texts, the retrieved ones the proposers wrote from (a copy can only come from those)."""
    if context.task_input is None:
        raise ValueError("the reader aggregators read the task sentence: call the program "
                         "with program_inputs(example), which includes task_input")
    digest = hashlib.sha1(f"{context.task_input}\n{context.profile}".encode()).hexdigest()[:12]
    return Example(id=f"aggregate-{digest}", user_id="aggregate", task=context.task.name,
                   input=context.task_input, output="",
                   profile=({context.task.text_field: context.profile},))


def reader_scores(texts: Sequence[str], example: Example) -> list[float]:
    return get_metric("reader").score_batch(list(texts), [example] * len(texts))


@register
class Reader(Aggregator):
    name = "reader"
    description = "the draft the reader metric scores best"

    def aggregate(self, drafts: list[str], context: Context) -> Aggregation:
        return picked(drafts, reader_scores(drafts, reader_example(context)))
