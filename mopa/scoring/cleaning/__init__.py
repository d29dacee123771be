"""Rule-based cleaning of generated text before it is scored.

The report cleans every draft with a few rules before computing ROUGE/METEOR: LMs wrap the text
they were asked for in HTML or Markdown, announce it ("Here is the review:"), label it ("Final
answer:"), explain it afterwards ("Note: ...") and, for small base models, loop on a phrase. None
of that is the user's writing, and all of it costs n-gram precision.

Each rule is a plain `str -> str` function listed in `RULES`, in the order `clean_text` applies
them, so a caller can see exactly what happens and pass a subset. Every rule is conservative:
ordinary prose passes through unchanged, and text only becomes empty if it held nothing but a
label, an announcement or a note. The rules live by what they remove: ``markup`` (HTML,
Markdown, whitespace), ``chatter`` (what the model says around the text, and the next record a
base model runs on into) and ``repetition`` (loops); ``rule`` says what a rule is.
"""

from __future__ import annotations

from collections.abc import Iterable

from mopa.scoring.cleaning.chatter import (
    cut_at_new_record,
    strip_final_marker,
    strip_lead_in,
    strip_trailing_notes,
)
from mopa.scoring.cleaning.markup import normalize_whitespace, strip_html, strip_markdown
from mopa.scoring.cleaning.repetition import collapse_repeated_phrases, drop_repeated_sentences
from mopa.scoring.cleaning.rule import Rule, until_stable

RULES: tuple[Rule, ...] = (
    strip_html,
    strip_markdown,
    strip_final_marker,
    strip_lead_in,
    strip_trailing_notes,
    cut_at_new_record,
    collapse_repeated_phrases,
    drop_repeated_sentences,
    normalize_whitespace,
)


def clean_text(text: str, rules: Iterable[Rule] = RULES) -> str:
    """Apply `rules` (default: all of `RULES`, in order) to a generated text.

    The sequence is repeated until the text stops changing: cutting a "Final answer:" prefix
    can leave a Markdown list marker at the new start of the text, which the earlier Markdown
    rule must then see. Every rule only removes text, so this ends after a pass or two.
    """
    rules = tuple(rules)

    def one_pass(text: str) -> str:
        for rule in rules:
            text = rule(text)
        return text

    return until_stable(one_pass, text)
