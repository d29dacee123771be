"""Seeded selection/test halves of a data set, so choices made on one half are confirmed on
the other.

Examples are ranked by a hash of the seed and their id, so the split does not depend on file
order (a reordered file gives the same halves) and needs no stored list of ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def _rank(seed: int, example_id: str) -> str:
    return hashlib.sha1(f"{seed}:{example_id}".encode()).hexdigest()


def selection_test_split(examples: Sequence[T], seed: int = 0) -> tuple[list[T], list[T]]:
    """(selection, test): the first half (rounded down) of the examples ranked by
    sha1(f"{seed}:{id}"), and the rest. Each half keeps the examples' original order, so
    ``--limit N`` of a half is still the first N in data order."""
    ranked = sorted(range(len(examples)), key=lambda i: (_rank(seed, examples[i].id), i))
    chosen = set(ranked[: len(examples) // 2])
    selection = [ex for i, ex in enumerate(examples) if i in chosen]
    test = [ex for i, ex in enumerate(examples) if i not in chosen]
    return selection, test
