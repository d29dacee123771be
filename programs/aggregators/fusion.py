"""fusion: an extractive merge a base model needs no skill for: the consensus draft, then the
sentences of the other drafts that most drafts support and the text does not yet say, until it
is as long as this user usually writes. No LM call; it records the consensus pick it starts
from."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean

from mopa.programs.aggregators.base import Aggregation, Aggregator, Context
from mopa.programs.aggregators.consensus import consensus
from mopa.programs.aggregators.registry import register
from mopa.programs.aggregators.searched import SIMILARITY, TARGET_FACTOR
from mopa.programs.aggregators.text import coverage, sentences, words

# A sentence that repeats this much of the text already chosen adds nothing new.
REDUNDANT = 0.6


def fusion(drafts: Sequence[str], target_words: float | None,
           metric: str = "meteor") -> Aggregation:
    """The consensus draft extended, sentence by sentence, to about ``target_words`` words.

    A candidate sentence's support is the mean share of its words found in each other draft:
    content several proposers wrote independently. Sentences are added by support, skipping
    ones mostly said already, until the text reaches the target (no target: the draft alone).
    """
    base = consensus(drafts, metric)
    text = drafts[base.choice].strip()
    if target_words is None or len(text.split()) >= target_words:
        return Aggregation(text, base.choice, base.scores)
    chosen = words(text)
    for sentence, bag in supported_sentences(drafts, base.choice):
        if len(text.split()) >= target_words:
            break
        if coverage(bag, chosen) >= REDUNDANT:
            continue
        text = f"{text} {sentence}"
        chosen |= bag
    return Aggregation(text, base.choice, base.scores)


def supported_sentences(drafts: Sequence[str], base: int) -> list[tuple[str, set[str]]]:
    """The sentences (with their word sets) of every draft but ``base``, most supported first:
    a sentence's support is the mean share of its words found in each other draft."""
    bags = [words(d) for d in drafts]
    candidates = []
    for i, draft in enumerate(drafts):
        if i == base:
            continue
        for sentence in sentences(draft):
            bag = words(sentence)
            if len(bag) < 3:
                continue
            others = [b for j, b in enumerate(bags) if j != i]
            candidates.append((fmean(coverage(bag, b) for b in others), sentence, bag))
    return [(sentence, bag) for _, sentence, bag in sorted(candidates, key=lambda c: -c[0])]


@register
class Fusion(Aggregator):
    name = "fusion"
    description = "the consensus draft extended with the sentences most drafts support"
    searched = (SIMILARITY, TARGET_FACTOR)

    def aggregate(self, drafts: list[str], context: Context) -> Aggregation:
        return fusion(drafts, context.target_words, context.config.similarity)
