"""Cleaning rules for what a model writes around the text it was asked for: reasoning before a
"Final answer:", announcements and labels at the start, notes and explanations after it, and,
for base models, the next record it runs on into.

The prompts show past texts as records (``Rating: 5.0. Summary: ...`` / ``Review: ...``); a small
base model that finishes the new text often starts another record on the next line. Everything
from such a line on is not the user's text.
"""

from __future__ import annotations

import re

from mopa.scoring.cleaning.rule import until_stable
from mopa.tasks import TASKS

# --- Reasoning, announcements, labels, notes ------------------------------------------------

# "Final answer:" is the strongest signal a model gives: whatever came before it was reasoning.
# Weaker "final X:" labels only count at the start of a line, where they cannot be mid-sentence.
_FINAL_MARKER = re.compile(
    r"\bfinal\s+(?:answer|response)\s*:|"
    r"^[ \t]*final\s+(?:answer|response|draft|version|review|output)\s*(?::|$)",
    re.IGNORECASE | re.MULTILINE,
)


def _cut_at_final_marker(text: str) -> str:
    markers = list(_FINAL_MARKER.finditer(text))
    if not markers:
        return text
    last = markers[-1]
    after = text[last.end() :].strip()
    # A marker with nothing after it is a dangling label: drop it, keep the text before (which
    # may itself end in "Final answer: ...", hence the repetition below).
    return after if after else text[: last.start()].strip()


def strip_final_marker(text: str) -> str:
    """Keep only what follows the last "Final answer:"-style marker."""
    return until_stable(_cut_at_final_marker, text)


# Names of the thing the model was asked to write; an announcement must mention one, so that
# "Here's the thing: ..." in a Reddit post is not mistaken for "Here's the review: ...".
_TEXT_NOUN = (
    r"(?:review|abstract|post|draft|response|version|text|answer|rewrite|content|paragraph"
    r"|summary|synthesis)s?"
)
_INTERJECTION = r"(?:sure|certainly|of course|okay|ok|alright|absolutely)"
_ANNOUNCE = r"(?:here(?:'s|’s| is| are)|below is|as requested)"
_PREAMBLE_LINE = re.compile(
    rf"^\s*(?:{_INTERJECTION}\s*[!.,]*\s*)?"
    rf"(?:{_ANNOUNCE}|i(?:'ve|’ve| have) (?:written|merged|combined|drafted|revised|rewritten|"
    rf"created|generated|synthesi[sz]ed))\b[^\n:]{{0,160}}?\b{_TEXT_NOUN}\b[^\n:]{{0,160}}:[ \t]*",
    re.IGNORECASE,
)
# A lone "Sure!" is chatter only when something follows it; on its own it is the whole answer.
_INTERJECTION_LINE = re.compile(rf"^\s*{_INTERJECTION}\s*[!.,]*[ \t]*\n(?=\s*\S)", re.IGNORECASE)
# "Okay, let me write the review." -- but not "I'll write to my landlord" in a Reddit post.
_PLANNING_LINE = re.compile(
    rf"^\s*(?:{_INTERJECTION}\s*[,!.]\s*)?(?:let me|let's)\s+(?:now\s+)?"
    rf"(?:write|draft|merge|combine|synthesi[sz]e|compose|generate)\b[^\n]*\b{_TEXT_NOUN}\b"
    r"[^\n]*(?:\n|$)",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^\s*(?:(?:final|refined|revised|merged|improved|synthesi[sz]ed|aggregated|generated|new"
    r"|personali[sz]ed)\s+)*(?:answer|response|review(?:\s+text)?|abstract|(?:reddit\s+)?post"
    r"|content|output|draft|version|text)(?:\s*#?\d+)?\s*(?::[ \t]*|\n|$)",
    re.IGNORECASE,
)


def strip_lead_in(text: str) -> str:
    """Remove announcements ("Sure! Here's a merged draft:") and labels ("Review:") at the start.

    Announcements and labels stack in any order ("Sure!\\nHere is the review:\\nReview: ..."),
    so they are peeled off together until none is left.
    """

    def peel(text: str) -> str:
        for pattern in (_INTERJECTION_LINE, _PLANNING_LINE, _PREAMBLE_LINE, _LABEL):
            text = pattern.sub("", text.lstrip(), count=1)
        return text

    return until_stable(peel, text)


# A section that explains the text rather than being part of it runs to the end: either an
# explanation opener, or a bare "Notes:" heading over a list of remarks.
_SECTION = re.compile(
    r"^\s*\(?(?:explanation|rationale|reasoning|changes made|key changes|why this works)\s*:"
    r"|^\s*(?:notes?|changes)\s*:?\s*$",
    re.IGNORECASE,
)
# A single note, word count or chat-style sign-off is only removed when it is trailing.
_NOTE_LINE = re.compile(
    r"^\s*\(?\s*(?:note|notes|n\.b\.|word count)\s*:"
    r"|^\s*(?:let me know|i hope this|feel free to)\b",
    re.IGNORECASE,
)
_TRAILING_NOTE = re.compile(r"(?<=[.!?])[ \t]+\(?(?:Note|NOTE|N\.B\.):[^\n]*$")


def strip_trailing_notes(text: str) -> str:
    """Remove "Explanation:" sections and trailing "Note: ..." / "(Note: ...)" lines.

    The first non-blank line is never removed: a text that opens with "Note:" is treated as
    prose, not as a remark about some other text.
    """
    lines = text.split("\n")
    content = [i for i, line in enumerate(lines) if line.strip()]
    if not content:
        return text
    first = content[0]
    for i in content[1:]:
        if _SECTION.match(lines[i].strip()):
            lines = lines[:i]
            break
    while len(lines) > first + 1 and (not lines[-1].strip() or _NOTE_LINE.match(lines[-1])):
        lines.pop()
    lines[-1] = _TRAILING_NOTE.sub("", lines[-1])
    return "\n".join(lines)


# --- The next record -------------------------------------------------------------------------

RECORD_LABELS = tuple(sorted({label for task in TASKS.values()
                              for label, _ in task.header_fields}
                             | {task.text_label for task in TASKS.values()}))
_RECORD_LINE = re.compile(r"^\s*(?:\[\d+\]\s*)?(?:" + "|".join(RECORD_LABELS) + r")\s*:")


def cut_at_new_record(text: str) -> str:
    """Cut at the first line, after the first non-blank one, that starts a record header."""
    lines = text.split("\n")
    content = [i for i, line in enumerate(lines) if line.strip()]
    for i in content[1:]:
        if _RECORD_LINE.match(lines[i]):
            return "\n".join(lines[:i])
    return text
