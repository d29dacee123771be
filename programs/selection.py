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

Every choice returns the scores behind it, which the program records per layer.
"""

from __future__ import annotations

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
    from mopa.metrics import score_pair

    if metric not in SIMILARITIES:
        raise ValueError(f"unknown similarity {metric!r}; expected one of: "
                         f"{', '.join(SIMILARITIES)}")
    return score_pair(a, b)[metric]


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
