"""Per-example LM accounting: calls (cached or not) and tokens actually spent.

Calls are counted by a DSPy callback into a meter held in a context variable; the program's
worker threads run in copies of the example's context, so their calls land on the same meter.
Tokens come from DSPy's usage tracker, which only records calls that missed the cache; their
dollars from each model's price (``mopa.costs.prices``: 0 for cache hits and in-process LMs,
None when an LM's price is unknown). The example's tally (``mopa.tally``: resampled texts,
calls stopped by the token budget) is kept beside the counts.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import dspy
from dspy.utils.callback import BaseCallback
from dspy.utils.usage_tracker import track_usage

from mopa.costs.prices import usage_cost
from mopa.tally import EVENTS, tallied

_meter: contextvars.ContextVar[Meter | None] = contextvars.ContextVar("mopa_meter", default=None)


@dataclass
class Meter:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    events: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_call(self) -> None:
        with self._lock:
            self.calls += 1

    def as_dict(self) -> dict:
        return {"lm_calls": self.calls, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "cost_usd": self.cost_usd,
                **{event: self.events.get(event, 0) for event in EVENTS}}


class CallCounter(BaseCallback):
    def on_lm_start(self, call_id, instance, inputs):
        meter = _meter.get()
        if meter is not None:
            meter.count_call()


CALL_COUNTER = CallCounter()


@contextmanager
def metered() -> Iterator[Meter]:
    meter = Meter()
    token = _meter.set(meter)
    callbacks = list(dspy.settings.get("callbacks") or [])
    if CALL_COUNTER not in callbacks:
        callbacks.append(CALL_COUNTER)
    try:
        with dspy.context(callbacks=callbacks), track_usage() as tracker, tallied() as tally:
            try:
                yield meter
            finally:
                meter.events = dict(tally)
        for model, usage in tracker.get_total_tokens().items():
            meter.prompt_tokens += int(usage.get("prompt_tokens") or 0)
            meter.completion_tokens += int(usage.get("completion_tokens") or 0)
            cost = usage_cost(model, usage)
            known = cost is not None and meter.cost_usd is not None
            meter.cost_usd = meter.cost_usd + cost if known else None
    finally:
        _meter.reset(token)
