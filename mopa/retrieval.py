"""BM25 retrieval over one user's own profile, as the official LongLaMP benchmark does it.

Documents and queries are built per task (see ``mopa.tasks``) and whitespace-tokenized, scored with
``rank_bm25.BM25Okapi``. The top k are returned most-recent-first (profiles are chronological),
each item's text cut to its first ``max_words`` words for the prompt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

from mopa.data import Example


@dataclass(frozen=True)
class Retrieved:
    index: int  # position in the profile (higher = more recent)
    score: float
    text: str  # the item as shown to the LM, cut to max_words
    item: dict


def bm25_top(documents: list[str], query: str, k: int) -> list[tuple[int, float]]:
    """(index, score) of the k best documents, in exactly ``BM25Okapi.get_top_n``'s order.

    ``get_top_n`` ranks with ``np.argsort(scores)[::-1]``; using the same call keeps ties
    ordered as the official benchmark orders them.
    """
    if not documents:
        return []
    bm25 = BM25Okapi([doc.split() for doc in documents])
    scores = bm25.get_scores(query.split())
    return [(int(i), float(scores[i])) for i in np.argsort(scores)[::-1][:k]]


def retrieve(example: Example, k: int = 4, max_words: int | None = 100) -> list[Retrieved]:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    spec = example.spec
    documents = [spec.document(item) for item in example.profile]
    query = spec.query(example.input)
    top = sorted(bm25_top(documents, query, k), reverse=True)
    return [
        Retrieved(i, score, spec.display(example.profile[i], max_words), example.profile[i])
        for i, score in top
    ]


def profile_block(retrieved: list[Retrieved]) -> str:
    """The retrieved items, most recent first, one paragraph each."""
    if not retrieved:
        return "(no past writing available)"
    return "\n\n".join(r.text for r in retrieved)
