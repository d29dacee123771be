"""``style``: how much a text reads like this user's past texts rather than other users'.

Cosine Delta (mopa.scoring.stylometry) between the text and the user's profile, z-scored
against a background of this user's past texts and those of a fixed population of other users
(the package's demo data for the same task: fictional, 12 per task), so a text scores high when
it deviates from the others the way this user does (their function-word rates, punctuation,
casing), and a generic text scores near 0. No reference is read.

The background depends only on the example, never on what else is in the batch: a text's
score is the same in a run of 5 examples or 500, and one example's drafts are scored as its
final output is. (A background of the batch's own users separates users a little better on
large batches — AUC 0.88 against 0.79 on reviews, see bench/style_separation.py — but would
make a score depend on its neighbours.)
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
    """The given users' past texts, with the demo's users of each task they write in when they
    are fewer than MIN_USERS users; None when no one has a past text with words."""
    users = _users(examples)
    if len(users) < MIN_USERS:
        demo = [ex for task in dict.fromkeys(ex.task for ex in examples) for ex in _demo(task)]
        users = _users([*examples, *demo])
    documents = [text for texts in users.values() for text in texts]
    return Background(documents) if documents else None


def score(predictions: Sequence[str], examples: Sequence[Example]) -> list[float]:
    measures: dict[str, tuple[Background, Vectors | None] | None] = {}
    values = []
    for prediction, example in zip(predictions, examples, strict=True):
        if example.id not in measures:
            base = background([example])
            measures[example.id] = None if base is None else (
                base, author_vectors(base, _past_texts(example)))
        measure = measures[example.id]
        # No past text anywhere: nothing to compare with, so no evidence either way.
        values.append(0.0 if measure is None else cosine_delta(measure[0], prediction,
                                                               measure[1]))
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
