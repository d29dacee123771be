"""How the reader proxies see a text: words, sentences, content words, and what counts as no
text at all. Shared so that every proxy splits and normalizes the same way."""

from __future__ import annotations

import re
from functools import lru_cache

from nltk.stem import PorterStemmer

# Fewer words than this is not a text a reader can judge ("", "Great.", "5.0. Summary:"):
# every proxy gives it its worst score, so an empty output never wins by having no flaws.
MIN_WORDS = 3

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# A sentence ends at . ! or ? followed by space, or glued to the next capital ("breaker.I have"),
# which LongLaMP's reviews do where a line break was lost.
_SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s+|(?=[A-Z]))")

# Function words, contractions and review boilerplate carry no topic; what is left says what a
# text is about.
_STOPWORD_LIST = """
a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can can't could couldn't did didn't do does doesn't
doing don't down during each few for from further get got had hadn't has hasn't have haven't
having he her here hers herself him himself his how i i'd i'll i'm i've if in into is isn't it
it's its itself just let's me more most much my myself no nor not now of off on once only or
other our ours ourselves out over own really same she should shouldn't so some such than that
that's the their theirs them themselves then there there's these they they're this those
through to too under until up us very was wasn't we we're were weren't what when where which
while who whom why will with won't would wouldn't you you're your yours yourself yourselves
one two still even well many lot bit thing things way
"""
STOPWORDS = frozenset(_STOPWORD_LIST.split())

_stemmer = PorterStemmer()


def words(text: str) -> list[str]:
    """Lowercased word tokens (letters and digits, with an apostrophe suffix kept: "it's")."""
    return _WORD.findall(text.lower().replace("’", "'"))


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each of ``words(text)`` in ``text``."""
    return [m.span() for m in _WORD.finditer(text.lower().replace("’", "'"))]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def is_degenerate(text: str) -> bool:
    """Empty, one word or two: nothing a reader would accept as the text asked for."""
    return len(words(text)) < MIN_WORDS


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stem(word)


def content_stems(text: str) -> list[str]:
    """Stems of the words that are not function words, in order ("picks" and "pick" match)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and not w.isdigit()]
