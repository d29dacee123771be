"""``style``: how much a text reads like this user's past texts rather than other users'.

Cosine Delta (mopa.scoring.stylometry) between the text and the user's profile, z-scored
against the past texts of the users in the batch, so a text scores high when it deviates from
the other users the way this user does (their function-word rates, punctuation, casing), and a
generic text scores near 0. No reference is read: the background is built from profiles only,
so every system scored on the same examples is measured against the same background.

A batch with few users (one example's drafts, a run of a few examples) has too few others to
deviate from, so its users are topped up with the users of the package's demo data for the
same task (fictional, 12 per task): a fixed population to deviate from, whatever the batch.
Scores then shift a little with the batch's users, so compare systems on the same examples.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from mopa.data import Example, load_demo
from mopa.scoring.registry import Metric, register
from mopa.scoring.stylometry import Background, Vectors, author_vectors, cosine_delta, words

# Users a background needs before the demo's users are no longer added.
MIN_USERS = 12


def _past_texts(example: Example) -> list[str]:
    field = example.spec.text_field
    return [str(item.get(field, "")) for item in example.profile]


@cache
def _demo(task: str) -> tuple[Example, ...]:
    return tuple(load_demo(task))


def _users(examples: Sequence[Example]) -> dict[str, dict[str, None]]:
    """Each distinct user's past texts with words, once each (a user's examples overlap)."""
    by_user: dict[str, dict[str, None]] = {}
    for example in examples:
        texts = by_user.setdefault(example.user_id, {})
        texts.update(dict.fromkeys(t for t in _past_texts(example) if words(t)))
    return {user: texts for user, texts in by_user.items() if texts}


def background(examples: Sequence[Example]) -> Background | None:
    """The batch's users' past texts, with the demo's users of each task the batch has when it
    has fewer than MIN_USERS users; None when no one has a past text with words."""
    users = _users(examples)
    if len(users) < MIN_USERS:
        demo = [ex for task in dict.fromkeys(ex.task for ex in examples) for ex in _demo(task)]
        users = _users([*examples, *demo])
    documents = [text for texts in users.values() for text in texts]
    return Background(documents) if documents else None


def score(predictions: Sequence[str], examples: Sequence[Example]) -> list[float]:
    base = background(examples)
    if base is None:
        # No past text anywhere: nothing to compare with, so no evidence either way.
        return [0.0] * len(predictions)
    authors: dict[str, Vectors | None] = {}
    values = []
    for prediction, example in zip(predictions, examples, strict=True):
        if example.id not in authors:
            authors[example.id] = author_vectors(base, _past_texts(example))
        values.append(cosine_delta(base, prediction, authors[example.id]))
    return values


register(Metric(
    name="style",
    label="Style fit",
    score=score,
    description="stylometric similarity to this user's past texts relative to other users' "
                "(cosine Delta over frequent words and character bigrams; -1 to 1)",
    higher_is_better=True,
    uses_reference=False,
    uses_profile=True,
))
