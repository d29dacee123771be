"""Text helpers the aggregators share: how much two drafts agree, and their sentences."""

from __future__ import annotations

import re

from mopa.programs.aggregators.searched import SIMILARITIES
from mopa.scoring.metrics import score_one

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-z0-9']+")


def similarity(a: str, b: str, metric: str = "meteor") -> float:
    """How well ``a`` covers ``b`` (``b`` is the reference, as in scoring)."""
    if metric not in SIMILARITIES:
        raise ValueError(f"unknown similarity {metric!r}; expected one of: "
                         f"{', '.join(SIMILARITIES)}")
    return score_one(a, b, metric)


def sentences(draft: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(draft.strip()) if s.strip()]


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def coverage(sentence: set[str], text: set[str]) -> float:
    """The share of a sentence's words that a text holds."""
    return len(sentence & text) / len(sentence) if sentence else 1.0
