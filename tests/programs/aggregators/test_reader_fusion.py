"""reader_fusion: the reader's pick, extended only with sentences that keep its reader score."""

from mopa.programs.aggregators.reader import reader_example, reader_scores
from mopa.programs.aggregators.reader_fusion import SLACK, ReaderFusion
from mopa.programs.config import ProgramConfig

TASK = ('Generate the review text written by a reviewer who has a given an overall rating of '
        '"1.0" for a product with description "". The summary of the review text is '
        '"Strings broke in a week".')
DRAFTS = [
    "The strings broke within a week. I am disappointed with these strings.",
    "The strings broke within a week of light playing. The replacement strings went dull "
    "fast. I love these strings, they are perfect and amazing, best ever!",
    "These strings broke within a week. The replacement strings went dull fast too.",
]


def test_it_adds_supported_sentences_but_not_ones_that_lower_the_reader_score(context):
    ctx = context(task_input=TASK, user_words=30)
    out = ReaderFusion(ProgramConfig("rag-mopa")).aggregate(DRAFTS, ctx)
    start = DRAFTS[out.choice]
    assert out.output.startswith(start)
    assert "went dull fast" in out.output  # supported and in keeping
    assert "perfect and amazing" not in out.output  # a 5-star sentence under a 1-star rating
    example = reader_example(ctx)
    assert reader_scores([out.output], example)[0] >= reader_scores([start], example)[0] - SLACK


def test_without_a_length_target_it_is_the_reader_pick(context):
    ctx = context(task_input=TASK)
    out = ReaderFusion(ProgramConfig("rag-mopa")).aggregate(DRAFTS, ctx)
    assert out.output == DRAFTS[out.choice]
