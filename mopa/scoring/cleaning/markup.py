"""Cleaning rules for formatting that is not the user's words: HTML, Markdown, whitespace."""

from __future__ import annotations

import html
import re

from mopa.scoring.cleaning.rule import until_stable

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
    text = until_stable(html.unescape, text)
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
    return until_stable(_strip_markdown_once, text)


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
