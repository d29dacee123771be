"""Cleaning rules for loops: a phrase repeated back to back, a sentence said again."""

from __future__ import annotations

import re

from mopa.scoring.cleaning.rule import until_stable

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
        collapsed = until_stable(_collapse_line, line)
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
