"""Rule-based cleaning of generated text before it is scored.

The report cleans every draft with a few rules before computing ROUGE/METEOR: LMs wrap the text
they were asked for in HTML or Markdown, announce it ("Here is the review:"), label it ("Final
answer:"), explain it afterwards ("Note: ...") and, for small base models, loop on a phrase. None
of that is the user's writing, and all of it costs n-gram precision.

Each rule is a plain `str -> str` function listed in `RULES`, in the order `clean_text` applies
them, so a caller can see exactly what happens and pass a subset. Every rule is conservative:
ordinary prose passes through unchanged, and text only becomes empty if it held nothing but a
label, an announcement or a note.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

from mopa.scoring.record_cut import cut_at_new_record


def _until_stable(step: Callable[[str], str], text: str) -> str:
    # Removing one layer of markup can expose another ("&amp;lt;", "***x***"); repeating a step
    # until nothing changes is what makes each rule, and so `clean_text`, idempotent.
    previous = None
    while previous != text:
        previous, text = text, step(text)
    return text


# --- HTML -----------------------------------------------------------------------------------

# Block-level tags end a line; dropping them outright would glue two sentences together.
_HTML_BREAK = re.compile(r"<(?:br|/p|/div|/li|/h[1-6]|/tr)\b[^<>]*>", re.IGNORECASE)
_HTML_HIDDEN = re.compile(r"<(script|style)\b[^<>]*>.*?</\1\s*>", re.IGNORECASE | re.S)
# A tag starts right after "<" with a letter (or "/" or "!"), so prose like "x < y and z > w"
# or "<3" survives.
_HTML_TAG = re.compile(r"<[/!]?[A-Za-z][^<>]*>")


def strip_html(text: str) -> str:
    """Remove HTML tags (and script/style bodies) and unescape entities like `&amp;`."""
    # Unescape first, so "&lt;b&gt;" cannot turn into a tag on a second pass.
    text = _until_stable(html.unescape, text)
    text = _HTML_HIDDEN.sub("", text)
    text = _HTML_BREAK.sub("\n", text)
    return _HTML_TAG.sub("", text)


# --- Markdown -------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*(?:```|~~~)[^\n]*$", re.MULTILINE)
_HEADING = re.compile(r"^\s*#{1,6}\s+", re.MULTILINE)
_RULE_LINE = re.compile(r"^\s*(?:[-*_]\s*){3,}$", re.MULTILINE)
_QUOTE = re.compile(r"^\s*>\s?", re.MULTILINE)
# "- item", "* item", "+ item", "1. item", "2) item" -- but not "2010 was" or "4.5 stars".
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+", re.MULTILINE)
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
# Single-star italics only when the stars hug a word, so "5 * 3 * 2" is left alone.
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_CODE = re.compile(r"`+([^`\n]*)`+")


def _strip_markdown_once(text: str) -> str:
    text = _FENCE.sub("", text)
    text = _RULE_LINE.sub("", text)
    text = _HEADING.sub("", text)
    text = _QUOTE.sub("", text)
    text = _LIST_MARKER.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    # Bold before italics: "**x**" would otherwise be read as italics around "*x*".
    text = _BOLD.sub(r"\2", text)
    return _ITALIC.sub(r"\1", text)


def strip_markdown(text: str) -> str:
    """Remove Markdown markup, keeping the words it decorates."""
    return _until_stable(_strip_markdown_once, text)


# --- Reasoning, announcements, labels, notes --------------------------------------------------

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
    return _until_stable(_cut_at_final_marker, text)


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

    return _until_stable(peel, text)


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


# --- Loops and repetition ----------------------------------------------------------------------

_MAX_PHRASE = 25
_TRAILING_PUNCT = re.compile(r"\W*$")


def _word_key(token: str) -> str:
    return re.sub(r"\W+", "", token.lower()) or token


def _min_repeats(phrase_length: int) -> int:
    # People write "had had", "love love love it" and "coast to coast to coast"; a model
    # looping repeats longer: four of a word or word pair, three of a three-word phrase, two
    # of anything longer.
    if phrase_length <= 2:
        return 4
    return 3 if phrase_length == 3 else 2


def _collapse_line(line: str) -> str:
    tokens = line.split()
    keys = [_word_key(t) for t in tokens]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for n in range(1, min(_MAX_PHRASE, (len(tokens) - i) // 2) + 1):
            repeats = 1
            while keys[i + repeats * n : i + (repeats + 1) * n] == keys[i : i + n]:
                repeats += 1
            if repeats >= _min_repeats(n):
                # Keep the first copy, closed by the punctuation that closes the last one, so
                # "great, great, great." becomes "great." rather than "great,".
                end = i + repeats * n
                closing = _TRAILING_PUNCT.search(tokens[end - 1]).group()
                last = _TRAILING_PUNCT.sub("", tokens[i + n - 1]) + closing
                out.extend(tokens[i : i + n - 1] + [last])
                i = end
                break
        else:
            out.append(tokens[i])
            i += 1
    return " ".join(out)


def collapse_repeated_phrases(text: str) -> str:
    """Collapse a word or phrase repeated back to back ("great great great" -> "great")."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        collapsed = _until_stable(_collapse_line, line)
        # Lines without a loop keep their original spacing.
        if collapsed.split() != line.split():
            lines[index] = collapsed
    return "\n".join(lines)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _sentence_key(sentence: str) -> str:
    return " ".join(sentence.lower().split()).strip(" .!?,;:\"'")


def drop_repeated_sentences(text: str) -> str:
    """Drop every sentence that already appeared earlier (ignoring case and whitespace)."""
    seen: set[str] = set()
    lines = []
    for line in text.split("\n"):
        kept = []
        sentences = _SENTENCE_END.split(line.strip())
        for sentence in sentences:
            key = _sentence_key(sentence)
            # One-word sentences ("Well...", "Wow!") recur in human writing; loops are longer.
            if len(key.split()) >= 2 and key in seen:
                continue
            seen.add(key)
            kept.append(sentence)
        if kept or not line.strip():
            lines.append(" ".join(kept) if len(kept) < len(sentences) else line)
    return "\n".join(lines)


# --- Whitespace ---------------------------------------------------------------------------------

_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_whitespace(text: str) -> str:
    """One space between words, no blank-line runs, no leading/trailing space on any line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", _INVISIBLE.sub("", text))
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


Rule = Callable[[str], str]

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

    return _until_stable(one_pass, text)
