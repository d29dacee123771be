"""What a program sees of an example: the retrieved profile block, the query, the latest text."""

from __future__ import annotations

import dspy

from mopa.data import Example
from mopa.length import median_words
from mopa.retrieval import profile_block, retrieve

INPUT_FIELDS = ("profile", "query", "latest", "user_words", "task_input")


def program_inputs(example: Example, k: int = 4, max_words: int | None = 100) -> dict:
    return {
        "profile": profile_block(retrieve(example, k=k, max_words=max_words)),
        # The input sentence reduced to the new text's header, shaped like the profile items.
        "query": example.spec.describe_input(example.input),
        "latest": example.latest_text(),
        # How long this user writes: programs with a length factor fit max tokens to it.
        "user_words": median_words(example),
        # The task sentence itself (rating, summary, title...), for aggregators that read the
        # task as a reader does; no prompt shows it.
        "task_input": example.input,
    }


def to_dspy(examples: list[Example], k: int = 4, max_words: int | None = 100) -> list[dspy.Example]:
    """DSPy examples (inputs + the gold ``output``) for optimizers and ``dspy.Evaluate``."""
    return [
        dspy.Example(id=ex.id, output=ex.output, **program_inputs(ex, k, max_words))
        .with_inputs(*INPUT_FIELDS)
        for ex in examples
    ]
