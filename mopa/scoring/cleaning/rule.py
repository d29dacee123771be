"""What a cleaning rule is: a plain ``str -> str`` function that only removes text, made
idempotent by repeating its step until the text stops changing (``until_stable``)."""

from __future__ import annotations

from collections.abc import Callable

Rule = Callable[[str], str]


def until_stable(step: Callable[[str], str], text: str) -> str:
    # Removing one layer of markup can expose another ("&amp;lt;", "***x***"); repeating a step
    # until nothing changes is what makes each rule, and so `clean_text`, idempotent.
    previous = None
    while previous != text:
        previous, text = text, step(text)
    return text
