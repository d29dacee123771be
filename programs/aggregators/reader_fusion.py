"""reader_fusion: fusion that cannot stitch in what a reader would object to. It starts from the
draft the ``reader`` metric scores best and adds the sentences most drafts support, as fusion
does, but keeps a sentence only while the text's reader score stays within ``SLACK`` of the
pick's (a contradicting sentiment, a repeated idea or a leaked fragment costs 0.1-0.2; a
neutral sentence a few thousandths), until the text is as long as this user usually writes. No
LM call; it records the reader pick it starts from."""

from __future__ import annotations

from mopa.programs.aggregators.base import Aggregation, Aggregator, Context, picked
from mopa.programs.aggregators.fusion import REDUNDANT, supported_sentences
from mopa.programs.aggregators.reader import reader_example, reader_scores
from mopa.programs.aggregators.registry import register
from mopa.programs.aggregators.searched import TARGET_FACTOR
from mopa.programs.aggregators.text import coverage, words

# How far below the pick's reader score the longer text may fall.
SLACK = 0.02


@register
class ReaderFusion(Aggregator):
    name = "reader_fusion"
    description = "the reader's pick extended with supported sentences that keep its score"
    searched = (TARGET_FACTOR,)

    def aggregate(self, drafts: list[str], context: Context) -> Aggregation:
        example = reader_example(context)
        base = picked(drafts, reader_scores(drafts, example))
        text, target = base.output.strip(), context.target_words
        if target is None or len(text.split()) >= target:
            return Aggregation(text, base.choice, base.scores)
        floor, chosen = base.scores[base.choice] - SLACK, words(text)
        for sentence, bag in supported_sentences(drafts, base.choice):
            if len(text.split()) >= target:
                break
            if coverage(bag, chosen) >= REDUNDANT:
                continue
            longer = f"{text} {sentence}"
            if reader_scores([longer], example)[0] >= floor:
                text, chosen = longer, chosen | bag
        return Aggregation(text, base.choice, base.scores)
