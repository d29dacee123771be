"""A DSPy engine for chat LMs behind an API (LiteLLM), for what DSPy's own route cannot do:
several choices in one request (``n``) and rate limits (``mopa.lm.rate_limit``).

DSPy 3.4.1 sends a call with ``n=N`` to its native engine as N requests, each billing the whole
prompt ("canonical engines produce one candidate per attempt"); its LiteLLM path keeps ``n`` in
one request. This engine takes that path (``complete_legacy``), so an OpenAI-compatible server
answers N choices for one prompt, and it waits for the limiter before every attempt: DSPy's
retries (``num_retries``, waiting as a 429's Retry-After says) come back through here, and
cache hits never do. An endpoint that refuses ``n`` (a 400 for n > 1) is remembered: later
calls with n > 1 are refused at once, and callers fall back to one call per choice.

The key is read from ``api_key_env`` at call time, never stored on the LM or in saved state.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from typing import Any

from dspy.clients import lm as dspy_lm
from dspy.clients.call_context import completed_legacy
from dspy.clients.call_result import CallResult
from dspy.clients.engines.litellm_engine import LiteLLMEngine
from dspy.clients.engines.litellm_errors import litellm_errors
from dspy.lm15 import InvalidRequestError, RateLimitError, Request, Response, response_to_events

from mopa.lm.async_engine import AsyncFromSync
from mopa.lm.credentials import client_arguments
from mopa.lm.rate_limit import estimate_tokens, limiter_for

# DSPy announces the removal of complete_legacy in 3.5 on every call through it; mopa pins
# dspy<3.5, and this path is the only one that sends n choices as one request.
warnings.filterwarnings("ignore", message=r"The custom-engine complete_legacy\(\) shortcut",
                        category=DeprecationWarning)


class NotSupportedByEndpoint(InvalidRequestError):
    """The endpoint refused ``n > 1`` before; asking again would only be refused again."""


class ChatEngine:
    def __init__(self, model: str, api_base: str | None = None, api_key_env: str | None = None,
                 rpm: float | None = None, tpm: float | None = None, batch_n: bool = False):
        self.model, self.api_base, self.api_key_env = model, api_base, api_key_env
        self.rpm, self.tpm = rpm, tpm
        self.batch_n = batch_n  # whether callers may batch identical prompts into one request
        self.n_refused = False

    def _client(self) -> dict[str, Any]:
        return client_arguments(self.api_base, self.api_key_env)

    def _send(self, prompt: Any, max_tokens: int | None, n: int, send):
        return send_choices(self, prompt, max_tokens, n, send)

    def complete_legacy(self, lm, request: dict, **context) -> CallResult:
        """One request for the call, its ``n`` choices included."""
        arguments = {**request, **self._client()}
        n = int(request.get("n") or 1)
        max_tokens = request.get("max_tokens") or request.get("max_completion_tokens")
        raw = self._send(request.get("messages"), max_tokens, n,
                         lambda: dspy_lm.litellm_completion(request=arguments, num_retries=0))
        completed_legacy(raw)
        lm._check_truncation(raw)
        return CallResult.legacy(lm, raw, kwargs=request)

    def complete(self, request: Request) -> Response:
        """An explicit ``dspy.lm15.Request`` (one choice), through DSPy's LiteLLM engine."""
        inner = LiteLLMEngine(model_type="chat", **self._client())
        prompt = [{"content": str(m)} for m in request.messages]
        return self._send(prompt, request.config.max_tokens, 1, lambda: inner.complete(request))

    def stream(self, request: Request):
        return response_to_events(self.complete(request))

    def close(self) -> None:
        pass

    def dump_state(self) -> dict:
        state = {"model": self.model, "api_base": self.api_base,
                 "api_key_env": self.api_key_env}
        state.update({k: v for k, v in (("rpm", self.rpm), ("tpm", self.tpm)) if v is not None})
        if self.batch_n:
            state["batch_n"] = True
        return state

    @classmethod
    def load_state(cls, state: dict) -> ChatEngine:
        return cls(**state)


class AsyncChatEngine(AsyncFromSync):
    """The sync engine in a worker thread, the whole call (n choices) included."""

    sync_type = ChatEngine

    async def complete_legacy(self, lm, request: dict, **context) -> CallResult:
        return await asyncio.to_thread(self.sync.complete_legacy, lm, request, **context)


def send_choices(engine: Any, prompt: Any, max_tokens: int | None, n: int,
                 send: Callable[[], Any]) -> Any:
    """One request of ``n`` choices by ``engine`` (its model, server, limits and ``n_refused``):
    refused at once if the endpoint refused n before; a 400 for n > 1 is remembered."""
    if n > 1 and engine.n_refused:
        raise NotSupportedByEndpoint(f"{engine.model}: the endpoint refused n={n} earlier; "
                                     "ask one choice per call")
    try:
        return throttled(engine.model, engine.api_base, engine.rpm, engine.tpm, prompt,
                         max_tokens, n, send)
    except InvalidRequestError:
        if n > 1:
            engine.n_refused = True
        raise


def throttled(model: str, api_base: str | None, rpm: float | None, tpm: float | None,
              prompt: Any, max_tokens: int | None, n: int, send: Callable[[], Any]) -> Any:
    """``send()`` (one LiteLLM request) once the model's limiter lets it go; a 429 holds back
    every thread of the limiter for its Retry-After, then DSPy retries the call."""
    limiter = limiter_for(model, api_base, rpm, tpm)
    estimate = estimate_tokens(prompt, max_tokens, n)
    if limiter is not None:
        limiter.acquire(estimate)
    try:
        with litellm_errors(model=model):
            raw = send()
    except RateLimitError as e:
        if limiter is not None:
            limiter.pause(e.retry_after)
        raise
    if limiter is not None:
        usage = getattr(raw, "usage", None)
        limiter.settle(estimate, getattr(usage, "total_tokens", None))
    return raw


def sends_n(lm: Any) -> bool:
    """Whether identical prompts to ``lm`` may share one request of n choices: an API LM built
    with ``batch_n`` whose endpoint has not refused n."""
    engine = getattr(lm, "engine", None)
    return bool(getattr(engine, "batch_n", False)) and not getattr(engine, "n_refused", False)
