"""reader, the aggregator (its module is named apart from the reader metric's test): the draft
the reader metric scores best; never stitched."""

import pytest

from mopa.programs.aggregators.reader import Reader, reader_example, reader_scores
from mopa.programs.config import ProgramConfig

TASK = ('Generate the review text written by a reviewer who has a given an overall rating of '
        '"1.0" for a product with description "". The summary of the review text is '
        '"Strings broke in a week".')
PAST = "Review: These strings sound bright and stay in tune for months of gigging."
DRAFTS = [
    "Great amp, love it. Great amp, love it. Great amp, love it. Great amp, love it.",
    "I was disappointed. The strings broke within a week, and the second set went dull just "
    "as fast. I will not buy these strings again.",
    "These strings sound bright and stay in tune for months of gigging. Five stars.",
]


def test_it_picks_the_draft_a_reader_prefers(context):
    ctx = context(profile=PAST, task_input=TASK)
    out = Reader(ProgramConfig("rag-mopa")).aggregate(DRAFTS, ctx)
    assert out.choice == 1 and out.output == DRAFTS[1]
    assert list(out.scores) == reader_scores(DRAFTS, reader_example(ctx))
    assert max(out.scores) == out.scores[1]


def test_the_reader_sees_the_task_and_the_retrieved_texts(context):
    example = reader_example(context(profile=PAST, task_input=TASK))
    assert example.input == TASK and example.task == "product_review"
    assert example.latest_text() == PAST
    assert reader_example(context(profile="other", task_input=TASK)).id != example.id


def test_without_the_task_sentence_it_says_how_to_call_the_program(context):
    with pytest.raises(ValueError, match="program_inputs"):
        Reader(ProgramConfig("rag-mopa")).aggregate(DRAFTS, context(profile=PAST))
