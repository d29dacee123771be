"""``leakage``: how little of a text is task or prompt text rather than the user's writing
(1.0 = none leaked).

What readers found in weak outputs: record fields a base model runs on into ("3.0. Summary:
Great!", "Review:"), announcements and notes around the text, the task sentence's own words
("the review text written by a reviewer"), and whole past reviews from the prompt copied out
with an ending that does not fit. A word counts as leaked when it is

- removed by the cleaning rules that detect chatter (``mopa.scoring.cleaning.chatter``: lead-ins
  and labels, "Final answer:" reasoning, trailing notes, the next record);
- part of a record label the prompts use ("Summary:", "Rating:", ..., with a rating before it);
- in a word ``TEMPLATE_NGRAM``-gram of the task sentence outside its fields (restating the
  summary is fine; restating the instruction is not);
- in a word ``COPY_NGRAM``-gram copied from one of the user's past texts (people reuse a phrase,
  rarely eight words in a row).

score = 1 - leaked share of words, halved when any label or chatter leaked: one "5.0. Summary:"
is enough for a reader to see the text was not written by a person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mopa.data import Example
from mopa.scoring.cleaning.chatter import (
    RECORD_LABELS,
    cut_at_new_record,
    strip_final_marker,
    strip_lead_in,
    strip_trailing_notes,
)
from mopa.scoring.cleaning.rule import until_stable
from mopa.scoring.reader._text import is_degenerate, word_spans, words
from mopa.scoring.registry import Metric, register

TEMPLATE_NGRAM = 4
COPY_NGRAM = 8
MARKER_FACTOR = 0.5

CHATTER_RULES = (strip_final_marker, strip_lead_in, strip_trailing_notes, cut_at_new_record)
# Capitalized as the prompts write them, so "in summary: ..." inside a sentence is prose.
_LABEL = re.compile(r"(?:\b[1-5](?:\.\d)?\.?\s*)?\b(?:" + "|".join(RECORD_LABELS) + r")\s*:")


def _without_chatter(text: str) -> str:
    def one_pass(text: str) -> str:
        for rule in CHATTER_RULES:
            text = rule(text)
        return text

    return until_stable(one_pass, text)


def _ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def _mark_ngrams(tokens: list[str], known: set[tuple[str, ...]], n: int, leaked: list[bool]):
    for i in range(len(tokens) - n + 1):
        if tuple(tokens[i : i + n]) in known:
            leaked[i : i + n] = [True] * n


def template_ngrams(example: Example) -> set[tuple[str, ...]]:
    """The task sentence's n-grams outside its fields (the summary, title, rating...)."""
    text = example.input
    match = re.search(example.spec.input_pattern, text, flags=re.S)
    pieces = [text]
    if match:
        cuts = sorted(match.span(g) for g in match.groupdict())
        starts = [0] + [end for _, end in cuts]
        ends = [start for start, _ in cuts] + [len(text)]
        pieces = [text[a:b] for a, b in zip(starts, ends, strict=True)]
    return set().union(*(_ngrams(words(p), TEMPLATE_NGRAM) for p in pieces))


def profile_ngrams(example: Example) -> set[tuple[str, ...]]:
    field = example.spec.text_field
    return set().union(set(), *(_ngrams(words(str(item.get(field, ""))), COPY_NGRAM)
                                for item in example.profile))


def leaked_share(text: str, template: set, profile: set) -> tuple[float, bool]:
    """(share of the text's words that are leaked, whether a label or chatter leaked)."""
    total = len(words(text))
    kept = _without_chatter(text)
    removed = max(0, total - len(words(kept)))
    tokens = words(kept)
    leaked = [False] * len(tokens)
    spans = word_spans(kept)
    labels = [m.span() for m in _LABEL.finditer(kept)]
    for i, (start, end) in enumerate(spans):
        leaked[i] = any(a <= start and end <= b for a, b in labels)
    _mark_ngrams(tokens, template, TEMPLATE_NGRAM, leaked)
    _mark_ngrams(tokens, profile, COPY_NGRAM, leaked)
    share = (removed + sum(leaked)) / total if total else 1.0
    return min(1.0, share), bool(removed or labels)


def _score(text: str, template: set, profile: set) -> float:
    if is_degenerate(text):
        return 0.0
    share, marker = leaked_share(text, template, profile)
    return (1.0 - share) * (MARKER_FACTOR if marker else 1.0)


def leakage_score(text: str, example: Example) -> float:
    return _score(text, template_ngrams(example), profile_ngrams(example))


def score(predictions: Sequence[str], examples: Sequence[Example]) -> list[float]:
    # Candidates for one example share its prompt: build its n-gram sets once.
    cache: dict[str, tuple[set, set]] = {}
    for example in examples:
        if example.id not in cache:
            cache[example.id] = (template_ngrams(example), profile_ngrams(example))
    return [_score(text, *cache[example.id])
            for text, example in zip(predictions, examples, strict=True)]


METRIC = register(Metric(
    name="leakage",
    label="No leaked prompt",
    score=score,
    description="1 - share of words that are prompt text (record labels, chatter, the task "
                "sentence, 8 words copied from a past text), halved if a label or chatter "
                "leaked; higher = less leaked; empty or under 3 words = 0",
    higher_is_better=True,
    uses_reference=False,
    uses_profile=True,
))
