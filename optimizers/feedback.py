"""Metrics as DSPy optimizers want them: on cleaned text, and with written feedback for GEPA."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import dspy

from mopa.scoring.cleaning import clean_text
from mopa.scoring.dspy_metric import make_metric
from mopa.scoring.registry import HEADLINE, parse_metrics

_WORD = re.compile(r"[a-z0-9']+")
# Words too common to say anything about a user's content or style.
_STOP = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "i",
    "i'm", "in", "is", "it", "it's", "its", "me", "my", "not", "of", "on", "or", "so", "that",
    "the", "this", "to", "was", "were", "with", "you", "your", "they", "them", "their", "we",
    "our", "very", "just",
})


def _text(pred: Any) -> str:
    text = pred if isinstance(pred, str) else getattr(pred, "output", "") or ""
    return clean_text(text)


def optimizer_metric(name: str = HEADLINE, clean: bool = True) -> Callable[..., float]:
    """``metric(example, pred, trace=None)`` scoring the text exactly as a run scores it."""
    base = make_metric(name)

    def metric(example, pred, trace=None):
        return base(example, _text(pred) if clean else pred)

    metric.__name__ = base.__name__
    return metric


def missing_words(prediction: str, reference: str, top: int = 8) -> list[str]:
    """The reference's most frequent content words that the prediction never uses."""
    said = set(_WORD.findall(prediction.lower()))
    counts = Counter(w for w in _WORD.findall(reference.lower()) if w not in _STOP and len(w) > 2)
    return [w for w, _ in counts.most_common() if w not in said][:top]


def feedback(prediction: str, reference: str, name: str = HEADLINE) -> dspy.Prediction:
    """Score plus text saying what lagged: the weakest default metric of the reference, the
    length, the missing words."""
    score = make_metric(name)(SimpleNamespace(output=reference), prediction)
    if not prediction.strip():
        return dspy.Prediction(score=0.0, feedback="The output was empty: write the full text.")
    # Those that compare with the reference alone: feedback sees no profile (reader needs it).
    shown = [m for m in parse_metrics(None) if not m.uses_profile]
    row = {m.name: make_metric(m.name)(SimpleNamespace(output=reference), prediction)
           for m in shown}
    weakest = min(row, key=row.get)
    got, want = len(prediction.split()), len(reference.split())
    notes = [
        "Scores: " + ", ".join(f"{m.label} {row[m.name]:.3f}" for m in shown)
        + f"; the weakest is {weakest}.",
    ]
    if got < 0.7 * want:
        notes.append(f"Too short: {got} words where the user wrote {want}; write more.")
    elif got > 1.4 * want:
        notes.append(f"Too long: {got} words where the user wrote {want}; be more concise.")
    else:
        notes.append(f"Length is about right ({got} words vs {want}).")
    missing = missing_words(prediction, reference)
    if missing:
        notes.append("The user's own text used words the output never did: "
                     + ", ".join(missing) + ". Draw more on the user's past vocabulary, "
                     "topics and phrasing.")
    return dspy.Prediction(score=score, feedback=" ".join(notes))


def feedback_metric(name: str = HEADLINE) -> Callable[..., dspy.Prediction]:
    """GEPA's metric: ``(gold, pred, trace, pred_name, pred_trace)`` -> score and feedback."""

    def metric(gold, pred, trace=None, pred_name=None, pred_trace=None):
        return feedback(_text(pred), gold.output, name)

    return metric
