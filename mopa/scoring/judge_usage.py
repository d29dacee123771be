"""What the judge spends, kept apart from what the system spends.

The system's calls are metered through DSPy's callbacks and usage tracker (``mopa.runs.metering``);
the judge runs each call with neither, so none of its calls or tokens land on the system's
meter, and records its own from the history entries DSPy writes for that call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import dspy


class CallLog:
    """Receives the history entries of one judge call. DSPy appends each LM call's entry to
    every module in ``caller_modules``; the judge puts only this log there, so the entries
    are exactly this call's (and the system's modules get none)."""

    def __init__(self):
        self.history: list[dict] = []


@dataclass
class JudgeUsage:
    judgments: int = 0  # texts rated, or pairs compared
    lm_calls: int = 0  # LM requests, cache hits included
    prompt_tokens: int = 0  # tokens actually spent (cache hits spend none)
    completion_tokens: int = 0
    cost: float = 0.0  # as the provider's price list gives it; 0 when it gives none
    retries: int = 0  # extra attempts after a reply that did not parse
    failures: int = 0  # judgments whose replies never parsed (scored NaN)
    inconsistent: int = 0  # pairs whose verdict changed with the order (counted as ties)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def call(self, lm, adapter) -> Iterator[None]:
        """Run one judge call on ``lm`` and record its calls, tokens and cost here."""
        log = CallLog()
        with dspy.context(lm=lm, adapter=adapter, callbacks=[], usage_tracker=None,
                          caller_modules=[log], disable_history=False):
            try:
                yield
            finally:
                self._record(log.history)

    def _record(self, entries: list[dict]) -> None:
        with self._lock:
            self.lm_calls += len(entries)
            for entry in entries:
                usage = entry.get("usage") or {}
                self.prompt_tokens += int(usage.get("prompt_tokens") or 0)
                self.completion_tokens += int(usage.get("completion_tokens") or 0)
                self.cost += float(entry.get("cost") or 0.0)

    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + n)

    def as_dict(self) -> dict:
        with self._lock:
            return {"judgments": self.judgments, "lm_calls": self.lm_calls,
                    "prompt_tokens": self.prompt_tokens,
                    "completion_tokens": self.completion_tokens, "cost": self.cost,
                    "retries": self.retries, "failures": self.failures,
                    "inconsistent": self.inconsistent}
