"""Per-example counts of expected events that a run reports once, in its summary, instead of
a log line each time: texts resampled because they were too short, LM calls stopped by the
token budget.

A program or an LM notes an event with ``note``; the runner opens a tally per example
(``tallied``). Worker threads run in copies of the example's context, so their notes land on
the same tally. Outside a tally (a program called from a notebook) a note is dropped.
"""

from __future__ import annotations

import contextvars
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

RESAMPLED = "resampled"
TRUNCATED = "truncated"
EVENTS = (RESAMPLED, TRUNCATED)

_tally: contextvars.ContextVar[Counter | None] = contextvars.ContextVar("mopa_tally",
                                                                        default=None)
_lock = threading.Lock()


def note(event: str, count: int = 1) -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}; expected one of {', '.join(EVENTS)}")
    tally = _tally.get()
    if tally is not None:
        with _lock:
            tally[event] += count


@contextmanager
def tallied() -> Iterator[Counter]:
    tally: Counter = Counter()
    token = _tally.set(tally)
    try:
        yield tally
    finally:
        _tally.reset(token)
