"""A deterministic fake LM engine for fast, offline tests.

`fake_lm()` is a real `dspy.LM` (model_type "text") whose engine is a `FakeEngine`, so tests
exercise DSPy's own cache, retries, history and usage tracking exactly as with a real model.

Rollout ids (verified on DSPy 3.4.1): a per-call `config={"rollout_id": i}` (or
`lm(..., rollout_id=i)`, or `lm.copy(rollout_id=i)`) does NOT reach the engine: DSPy strips it
before building the `Request`, so the engine sees identical requests. It IS part of DSPy's
cache key, so each rollout id gets its own cache entry and the engine is called once per
distinct id (then cached). Distinct ids only yield distinct texts from a sampling engine
(temperature > 0); this fake is deterministic and answers the same prompt identically.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import dspy
from dspy.lm15 import Request, Response, ServerError, response_to_events

from mopa.lm.async_engine import AsyncFromSync
from mopa.lm.embedded import request_prompt, text_response
from mopa.lm.fake_faults import FaultDraws

FAKE_MODEL_NAME = "local/fake"


def priced_name(price_in: float = 0.0, price_out: float = 0.0, name: str = FAKE_MODEL_NAME) -> str:
    """The model name of a fake with a price in dollars per million tokens: the name carries
    it, as DSPy's usage tracker keys usage by model name (see ``mopa.costs.prices``)."""
    if not (price_in or price_out):
        return name
    return f"{name}?price_in={price_in:g}&price_out={price_out:g}"

_VOCABULARY = (
    "great", "sound", "quality", "sturdy", "build", "easy", "to", "use", "worth", "the",
    "price", "works", "well", "strings", "tone", "comfortable", "solid", "recommend", "value",
    "nice", "feel", "durable", "clear", "bright", "warm", "light", "perfect", "cheap",
    "simple", "reliable", "love", "it", "fine", "decent", "happy", "product", "guitar")
_WORD = re.compile(r"[A-Za-z0-9']+")


def default_responder(prompt: str) -> str:
    """Deterministic text from the prompt: hash-picked vocabulary plus words of its last field.

    Copying words from the end of the prompt (the last input field, next to the output cue)
    makes overlap metrics such as ROUGE non-trivial, and different prompts give different
    texts, so tests can tell calls apart.
    """
    digest = hashlib.sha256(prompt.encode("utf-8")).digest()
    picked = [_VOCABULARY[b % len(_VOCABULARY)] for b in digest[:6]]
    blocks = [b for b in prompt.strip().split("\n\n") if b.strip()]
    # The last block is the output cue ("Review:"); the one before it is the last input field.
    source = blocks[-2] if len(blocks) >= 2 else (blocks[-1] if blocks else "")
    copied = _WORD.findall(source.split("\n", 1)[-1])[:12]
    return " ".join(picked[:3] + copied + picked[3:]) + "."


class InjectedFault(RuntimeError):
    """A failure the fake was asked to inject; not a `dspy.lm15` error, so DSPy does not retry
    it and the example fails, as when a provider's errors outlast the retries."""


class FakeEngine:
    """`complete(Request) -> Response` without a model.

    responder: maps the prompt text to the answer (default `default_responder`).
    latency: seconds slept per call, to exercise concurrency.
    fail_first: the first N calls raise a retryable `dspy.lm15.ServerError`, to test DSPy's
        retries (`dspy.LM(num_retries=...)`); `retry_after` is the wait DSPy is told to use.
    fail_rate, empty_rate, seed: injected faults (see `mopa.lm.fake_faults`): each call raises
        `InjectedFault` with probability fail_rate, or replies "" with probability empty_rate.
    calls: every prompt received (failed attempts included), in arrival order; thread-safe.
    Honors `stop` (cut at the first stop string) and `max_tokens` (words, finish "length").
    """

    def __init__(self, responder: Callable[[str], str] | None = None, latency: float = 0.0,
                 fail_first: int = 0, retry_after: float = 0.0, fail_rate: float = 0.0,
                 empty_rate: float = 0.0, seed: int | None = None):
        if latency < 0 or fail_first < 0 or retry_after < 0:
            raise ValueError(f"latency, fail_first and retry_after must be >= 0, got "
                             f"{latency}, {fail_first}, {retry_after}")
        if not (fail_rate >= 0 and empty_rate >= 0 and fail_rate + empty_rate <= 1):
            raise ValueError(f"fail_rate and empty_rate must be >= 0 with a sum <= 1, got "
                             f"{fail_rate} and {empty_rate}")
        self.fail_rate, self.empty_rate, self.seed = fail_rate, empty_rate, seed
        self._faults = FaultDraws(seed)
        self.responder = responder
        self.latency = latency
        self.fail_first = fail_first
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._calls: list[str] = []
        self.requests: list[Request] = []

    def token_logprobs(self, context: str, text: str) -> list[float]:
        """A deterministic stand-in for scoring: a word the context contains is likely (log p
        0), any other word unlikely (-5); one value per word."""
        seen = set(context.lower().split())
        return [0.0 if w.lower() in seen else -5.0 for w in text.split()]

    def __getstate__(self) -> dict:
        # Locks do not pickle or deepcopy; a copy gets its own lock and a snapshot of the log.
        with self._lock:
            state = dict(self.__dict__, _calls=list(self._calls), requests=list(self.requests))
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @property
    def calls(self) -> list[str]:
        with self._lock:
            return list(self._calls)

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self.requests.clear()

    def complete(self, request: Request) -> Response:
        prompt = request_prompt(request)
        with self._lock:
            self._calls.append(prompt)
            self.requests.append(request)
            number = len(self._calls)
        draw = self._faults.draw(prompt) if self.fail_rate or self.empty_rate else 1.0
        if self.latency:
            time.sleep(self.latency)
        if number <= self.fail_first:
            raise ServerError(f"FakeEngine: simulated failure on call {number} of the first "
                              f"{self.fail_first}", retry_after=self.retry_after)
        if draw < self.fail_rate:
            raise InjectedFault(f"FakeEngine: injected failure on call {number} "
                                f"(fail_rate={self.fail_rate})")
        empty = draw < self.fail_rate + self.empty_rate
        text = "" if empty else (self.responder or default_responder)(prompt)
        if not isinstance(text, str):
            raise TypeError(f"FakeEngine responder must return str, got {type(text).__name__}")
        finish = "stop"
        for stop in request.config.stop:
            if stop and stop in text:
                text = text[:text.index(stop)]
        limit = request.config.max_tokens
        words = list(re.finditer(r"\S+", text))
        if limit is not None and len(words) > limit:
            # One whitespace-separated word stands in for one token.
            text, finish = text[:words[limit - 1].end()], "length"
        return text_response(request, text, finish, len(prompt.split()), len(text.split()))

    def stream(self, request: Request):
        return response_to_events(self.complete(request))

    def close(self) -> None:
        pass

    def dump_state(self) -> dict:
        if self.responder is not None:
            raise TypeError("a FakeEngine with a custom responder cannot be saved (a function "
                            "is not JSON); save the program without this LM and re-attach it")
        faults = {name: getattr(self, name) for name, off in
                  (("fail_rate", 0.0), ("empty_rate", 0.0), ("seed", None))
                  if getattr(self, name) != off}  # a plain fake's state stays as it was
        return {"latency": self.latency, "fail_first": self.fail_first,
                "retry_after": self.retry_after, **faults}

    @classmethod
    def load_state(cls, state: dict) -> FakeEngine:
        return cls(**state)


class AsyncFakeEngine(AsyncFromSync):
    """Async counterpart for `lm.acall`: runs the sync engine in a worker thread."""

    sync_type = FakeEngine


def fake_lm(responder: Callable[[str], str] | None = None, latency: float = 0.0,
            fail_first: int = 0, retry_after: float = 0.0, *, fail_rate: float = 0.0,
            empty_rate: float = 0.0, seed: int | None = None, price_in: float = 0.0,
            price_out: float = 0.0, temperature: float = 0.7, max_tokens: int = 256,
            cache: bool = False, name: str = FAKE_MODEL_NAME, **kw: Any) -> dspy.LM:
    """A `dspy.LM` (model_type "text") backed by a new `FakeEngine`; reach it as `lm.engine`.

    The response cache is off by default: DSPy keys its cache by model name and request, not
    by engine, so two fakes with different responders would serve each other's answers (and
    the disk cache would replay them across test runs). Pass `cache=True` to exercise DSPy's
    cache, ideally with a distinct `name` and a memory-only `dspy.cache`.
    `price_in`/`price_out` (dollars per million tokens) give it a price, carried by its model
    name (`priced_name`), so that runs record a cost as with a paid API.
    Extra keyword arguments go to `dspy.LM` (num_retries, callbacks, ...).
    """
    engine = FakeEngine(responder, latency=latency, fail_first=fail_first,
                        retry_after=retry_after, fail_rate=fail_rate, empty_rate=empty_rate,
                        seed=seed)
    return dspy.LM(priced_name(price_in, price_out, name), model_type="text",
                   temperature=temperature, max_tokens=max_tokens,
                   cache=cache, engine=engine, async_engine=AsyncFakeEngine(engine), **kw)
