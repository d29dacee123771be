"""Requests and tokens per minute for an API LM: one limiter per model and server, shared by
every thread of the process.

Each request reserves the next free slot of each bucket and sleeps until it: requests are
spaced ``60 / rpm`` seconds apart and tokens ``60 / tpm`` seconds per token, with no burst, so
in any minute at most ``rpm + 1`` requests leave (set the limit a little below the provider's).
A request is charged its estimated tokens before it leaves (prompt characters / 4 plus
``max_tokens`` per choice) and corrected by the usage the server reports. A 429's Retry-After
holds back every thread, not only the one that got it. Separate processes (several tune
workers) each have their own limiter: each needs its share of the provider's limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

CHARS_PER_TOKEN = 4  # a coarse estimate, corrected by the reported usage once the reply is in


class RateLimiter:
    def __init__(self, rpm: float | None = None, tpm: float | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        for name, value in (("rpm", rpm), ("tpm", tpm)):
            if value is not None and not value > 0:
                raise ValueError(f"--{name} {value!r}: expected a number > 0, or no --{name} "
                                 "for no limit")
        self.rpm, self.tpm = rpm, tpm
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next_request = self._next_token = float("-inf")
        self.waited = 0.0  # seconds spent waiting, over every thread

    def acquire(self, tokens: int = 0) -> None:
        """Wait for this request's turn; ``tokens`` is its estimated cost."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next_request, self._next_token if self.tpm else now)
            if self.rpm:
                self._next_request = start + 60.0 / self.rpm
            if self.tpm:
                self._next_token = start + 60.0 * tokens / self.tpm
            wait = start - now
            self.waited += wait
        if wait > 0:
            self._sleep(wait)

    def settle(self, estimated: int, actual: int | None) -> None:
        """Correct a request's token charge once its usage is known."""
        if self.tpm and actual is not None:
            with self._lock:
                self._next_token += 60.0 * (actual - estimated) / self.tpm

    def pause(self, seconds: float | None) -> None:
        """The server said to wait (Retry-After): no request of this limiter leaves before."""
        if seconds is not None and seconds > 0:
            with self._lock:
                self._next_request = max(self._next_request, self._clock() + seconds)


_LIMITERS: dict[tuple, RateLimiter] = {}
_REGISTRY_LOCK = threading.Lock()


def limiter_for(model: str, api_base: str | None, rpm: float | None,
                tpm: float | None) -> RateLimiter | None:
    """The process's limiter of this model on this server (None without limits): the LMs of
    one model (``spec@T`` variants, copies made by optimizers) share one budget."""
    if rpm is None and tpm is None:
        return None
    key = (model, api_base, rpm, tpm)
    with _REGISTRY_LOCK:
        if key not in _LIMITERS:
            _LIMITERS[key] = RateLimiter(rpm, tpm)
        return _LIMITERS[key]


def estimate_tokens(prompt: Any, max_tokens: int | None, n: int = 1) -> int:
    """Prompt characters / 4 plus the most each choice may write."""
    if isinstance(prompt, list):  # chat messages
        prompt = "".join(str(m.get("content") or "") for m in prompt if isinstance(m, dict))
    return len(str(prompt or "")) // CHARS_PER_TOKEN + (max_tokens or 0) * max(1, n)
