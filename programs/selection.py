"""Aggregation by choice: pick one of a layer's drafts instead of asking an LM to merge them.

A small base model cannot merge or rewrite drafts (its merges loop or copy), but choosing
among drafts needs no instruction following:

- ``consensus``: minimum-Bayes-risk selection, the draft with the highest mean similarity to
  the other drafts (what most samples agree on); no LM call.
- ``likelihood``: the draft the LM finds most probable, per token, after the user's retrieved
  past texts and the query; one prefill-only scoring pass per draft.
- ``contrast``: likelihood with the user's texts minus likelihood with the query alone, i.e.
  the draft most specific to this user rather than the most generic one.
- ``longest``: the longest draft, a control: it shows how much of a gain is only length.
- ``fusion``: an extractive merge a base model needs no skill for: the consensus draft, then
  the sentences of the other drafts that most drafts support and the text does not yet say,
  until it is as long as this user usually writes.
- ``concat``: the drafts' sentences in rollout order up to the same length, a control: it
  shows how much of fusion's gain is only the length and the extra drafts.

Every choice returns the scores behind it, which the program records per layer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import fmean

# Log-probabilities of each token of ``text`` after ``context`` (see mopa.lm.scoring).
TokenScorer = Callable[[str, str], list[float]]

SIMILARITIES = ("meteor", "rougeL")


@dataclass(frozen=True)
class Choice:
    index: int
    scores: list[float]  # one per draft, higher is better

    def as_dict(self) -> dict:
        return {"chosen": self.index + 1, "scores": [round(s, 4) for s in self.scores]}


def _argmax(scores: Sequence[float]) -> int:
    # Ties go to the earliest draft, so a choice is reproducible.
    return max(range(len(scores)), key=lambda i: (scores[i], -i))


def similarity(a: str, b: str, metric: str = "meteor") -> float:
    """How well ``a`` covers ``b`` (``b`` is the reference, as in scoring)."""
    from mopa.scoring.metrics import score_one

    if metric not in SIMILARITIES:
        raise ValueError(f"unknown similarity {metric!r}; expected one of: "
                         f"{', '.join(SIMILARITIES)}")
    return score_one(a, b, metric)


def consensus(drafts: Sequence[str], metric: str = "meteor") -> Choice:
    if len(drafts) == 1:
        return Choice(0, [1.0])
    scores = [fmean(similarity(d, other, metric) for j, other in enumerate(drafts) if j != i)
              for i, d in enumerate(drafts)]
    return Choice(_argmax(scores), scores)


def longest(drafts: Sequence[str]) -> Choice:
    scores = [float(len(d.split())) for d in drafts]
    return Choice(_argmax(scores), scores)


def mean_logprob(scorer: TokenScorer, context: str, text: str) -> float:
    values = scorer(context, text)
    return fmean(values) if values else float("-inf")


def likelihood(drafts: Sequence[str], scorer: TokenScorer, context: str) -> Choice:
    scores = [mean_logprob(scorer, context, " " + d) for d in drafts]
    return Choice(_argmax(scores), scores)


def contrast(drafts: Sequence[str], scorer: TokenScorer, context: str,
             generic_context: str) -> Choice:
    scores = [mean_logprob(scorer, context, " " + d) - mean_logprob(scorer, generic_context,
                                                                     " " + d)
              for d in drafts]
    return Choice(_argmax(scores), scores)


_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-z0-9']+")
# A sentence that repeats this much of the text already chosen adds nothing new.
REDUNDANT = 0.6


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _coverage(sentence: set[str], text: set[str]) -> float:
    return len(sentence & text) / len(sentence) if sentence else 1.0


def _sentences(draft: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(draft.strip()) if s.strip()]


def concat(drafts: Sequence[str], target_words: float | None) -> tuple[str, Choice]:
    text = drafts[0].strip()
    for draft in drafts[1:]:
        for sentence in _sentences(draft):
            if target_words is None or len(text.split()) >= target_words:
                return text, Choice(0, [0.0] * len(drafts))
            text = f"{text} {sentence}"
    return text, Choice(0, [0.0] * len(drafts))


def fusion(drafts: Sequence[str], target_words: float | None,
           metric: str = "meteor") -> tuple[str, Choice]:
    """The consensus draft extended, sentence by sentence, to about ``target_words`` words.

    A candidate sentence's support is the mean share of its words found in each other draft:
    content several proposers wrote independently. Sentences are added by support, skipping
    ones mostly said already, until the text reaches the target (no target: the draft alone).
    """
    base = consensus(drafts, metric)
    text = drafts[base.index].strip()
    if target_words is None or len(text.split()) >= target_words:
        return text, base
    bags = [_words(d) for d in drafts]
    candidates = []
    for i, draft in enumerate(drafts):
        if i == base.index:
            continue
        for sentence in _sentences(draft):
            words = _words(sentence)
            if len(words) < 3:
                continue
            others = [b for j, b in enumerate(bags) if j != i]
            candidates.append((fmean(_coverage(words, b) for b in others), sentence, words))
    chosen = _words(text)
    for _, sentence, words in sorted(candidates, key=lambda c: -c[0]):
        if len(text.split()) >= target_words:
            break
        if _coverage(words, chosen) >= REDUNDANT:
            continue
        text = f"{text} {sentence}"
        chosen |= words
    return text, base
