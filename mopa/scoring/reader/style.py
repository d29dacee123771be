"""``style``: how much a text reads like this user's past texts rather than other users'.

Cosine Delta (mopa.scoring.stylometry) between the text and the user's profile, z-scored
against the past texts of every user in the batch, so a text scores high when it deviates from
the other users the way this user does (their function-word rates, punctuation, casing), and a
generic text scores near 0. No reference is read: the background is built from profiles only,
so every system scored on the same examples is measured against the same background.

A batch with one user (e.g. several drafts for one example) has no other users to deviate
from; the background is then that user's own past texts, used only to scale the features
(uncentered), and the score is the cosine of scaled frequency profiles: it still ranks texts by
closeness to the user, but on another scale, so compare scores only within one batch shape.
"""

from __future__ import annotations

from collections.abc import Sequence

from mopa.data import Example
from mopa.scoring.registry import Metric, register
from mopa.scoring.stylometry import Background, Vectors, author_vectors, cosine_delta, words

# Users needed for a population background; fewer gets the one-user fallback.
MIN_USERS = 2


def _past_texts(example: Example) -> list[str]:
    field = example.spec.text_field
    return [str(item.get(field, "")) for item in example.profile]


def background(examples: Sequence[Example]) -> Background | None:
    """The batch's background: every distinct user's past texts (a user's repeated examples
    count once per text); None when no user has a past text with words."""
    by_user: dict[str, dict[str, None]] = {}
    for example in examples:
        texts = by_user.setdefault(example.user_id, {})
        texts.update(dict.fromkeys(t for t in _past_texts(example) if words(t)))
    users = [texts for texts in by_user.values() if texts]
    if not users:
        return None
    documents = [text for texts in users for text in texts]
    return Background(documents, centered=len(users) >= MIN_USERS)


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
