"""Build a `dspy.LM` from a short spec string, with credentials only from the environment.

Specs:
    "embedded"          the in-process Gemma-3-270M base model (needs the `embedded` extra)
    "fake"              the deterministic offline fake (tests); "fake?latency=0.2&fail_rate=0.1"
                        slows it or injects faults (see mopa.lm.fake_faults)
    "<provider>/<model>" any LiteLLM model string: "openai/gpt-4o", "deepseek/deepseek-chat",
                        or "openai/<alias>" with api_base for an OpenAI-compatible server

Credentials: an API key is never passed as text. `api_key_env` names the environment
variable that holds it; without it, LiteLLM's own lookup applies (OPENAI_API_KEY, ...). With
`api_base` and no `api_key_env`, a placeholder key is sent instead, so that a provider key
from the environment is never handed to an arbitrary server (local servers need no key).

Rate limits (``rpm``, ``tpm``) and several choices per request (``batch_n``) apply to
LiteLLM specs: such a chat LM gets ``ChatEngine`` (see ``mopa.lm.chat_engine``), a text LM
throttles in ``CompletionsEngine``.

Base models behind an API (`model_type="text"`) go through `CompletionsEngine`, not DSPy's
own text route: DSPy 3.4.1 appends "\n\nBEGIN RESPONSE:" to every text prompt, which made
the served Gemma-3-270M return empty continuations (2 of 8 samples, against 0 of 8 without).
"""

from __future__ import annotations

import contextlib
import os
import re
from typing import Any
from urllib.parse import urlsplit

import dspy
from dspy.clients._litellm import get_litellm
from dspy.clients.call_context import completed_legacy
from dspy.clients.call_result import CallResult
from dspy.lm15 import Request, Response, response_to_events

from mopa.lm.async_engine import AsyncFromSync
from mopa.lm.chat_engine import AsyncChatEngine, ChatEngine, send_choices, throttled
from mopa.lm.credentials import LOCAL_SERVER_PLACEHOLDER_KEY, client_arguments, env_key
from mopa.lm.embedded import embedded_lm, request_prompt, text_response
from mopa.lm.fake import fake_lm
from mopa.lm.fake_faults import parse_fake_spec
from mopa.lm.reply_cache import skip_empty_replies
from mopa.redaction import looks_like_key

# LiteLLM otherwise tries to download its price list on first use; there may be no network.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

__all__ = ["LOCAL_SERVER_PLACEHOLDER_KEY", "describe_lm", "make_lm"]
# Retries belong to dspy.LM: it retries only transient errors (rate limits, server errors,
# timeouts), waiting as the server's Retry-After says or backing off; programs do not retry.
NUM_RETRIES = 3
MODEL_TYPES = ("chat", "text", "responses")
_LITELLM_SPEC = re.compile(r"^[A-Za-z0-9_.\-]+/\S+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def make_lm(spec: str = "embedded", temperature: float = 0.7, max_tokens: int = 256,
            api_base: str | None = None, api_key_env: str | None = None,
            model_type: str = "chat", num_retries: int = NUM_RETRIES,
            rpm: float | None = None, tpm: float | None = None, batch_n: bool = False,
            **lm_kwargs: Any) -> dspy.LM:
    """A `dspy.LM` for `spec` (see the module docstring).

    model_type applies to LiteLLM specs only: "text" sends the prompt, unchanged, to the
    completions endpoint (/v1/completions) of a base model, e.g. one served by llama.cpp or
    vLLM (use it with PlainTextAdapter). "embedded" and "fake" are always text models.
    rpm/tpm: requests/tokens per minute for this model, shared by every thread of the process;
    batch_n: a chat LM asks for n choices in one request. Both apply to LiteLLM specs only.
    Extra keyword arguments go to `dspy.LM`. An LM with DSPy's response cache on gets a cache
    that keeps no empty reply (see ``mopa.lm.reply_cache``).
    """
    lm = _build(spec, temperature, max_tokens, api_base, api_key_env, model_type, num_retries,
                rpm, tpm, batch_n, **lm_kwargs)
    if lm.cache:
        skip_empty_replies()
    return lm


def _build(spec: str, temperature: float, max_tokens: int, api_base: str | None,
           api_key_env: str | None, model_type: str, num_retries: int,
           rpm: float | None, tpm: float | None, batch_n: bool, **lm_kwargs: Any) -> dspy.LM:
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"LM spec must be a non-empty string, got {spec!r}; use 'embedded', "
                         "'fake' or a LiteLLM model string such as 'openai/gpt-4o'")
    spec = spec.strip()
    if spec.startswith("fake?"):  # the fake with injected faults (see mopa.lm.fake_faults)
        lm_kwargs = {**lm_kwargs, **parse_fake_spec(spec)}
        spec = "fake"
    if spec in ("embedded", "fake"):
        if api_base is not None or api_key_env is not None or rpm or tpm:
            raise ValueError(f"the {spec!r} LM runs in-process; api_base/api_key_env/rpm/tpm "
                             "apply only to LiteLLM specs such as 'openai/<model>'")
        if spec == "embedded":
            return embedded_lm(temperature=temperature, max_tokens=max_tokens,
                               num_retries=num_retries, **lm_kwargs)
        return fake_lm(temperature=temperature, max_tokens=max_tokens, num_retries=num_retries,
                       **lm_kwargs)

    if looks_like_key(spec):  # a bare key, or a spec carrying one (...?api_key=sk-...)
        # Do not echo something that may be a secret.
        raise ValueError("the LM spec looks like an API key; keys are never passed as "
                         "text: export it and pass api_key_env=<VARIABLE NAME>")
    if not _LITELLM_SPEC.match(spec):
        raise ValueError(f"unknown LM spec {spec!r}: expected 'embedded', 'fake', or a LiteLLM "
                         "model string '<provider>/<model>' such as 'openai/gpt-4o' or "
                         "'deepseek/deepseek-chat'")
    if model_type not in MODEL_TYPES:
        raise ValueError(f"model_type must be one of {MODEL_TYPES}, got {model_type!r}")
    if "api_key" in lm_kwargs:
        raise ValueError("api_key cannot be passed to make_lm; export the key and pass "
                         "api_key_env=<VARIABLE NAME>")

    if model_type == "text":
        if api_key_env is not None:
            env_key(_checked_env(api_key_env))  # fail now, not at the first call
        kind, pair = ((BatchedCompletionsEngine, AsyncBatchedCompletionsEngine) if batch_n
                      else (CompletionsEngine, AsyncCompletionsEngine))
        engine = kind(spec, api_base=_checked_base(api_base), api_key_env=api_key_env,
                      rpm=rpm, tpm=tpm)
        return dspy.LM(spec, model_type="text", temperature=temperature, max_tokens=max_tokens,
                       num_retries=num_retries, engine=engine, async_engine=pair(engine),
                       **lm_kwargs)

    if model_type == "chat" and (rpm or tpm or batch_n):
        if api_key_env is not None:
            env_key(_checked_env(api_key_env))  # fail now, not at the first call
        engine = ChatEngine(spec, api_base=_checked_base(api_base), api_key_env=api_key_env,
                            rpm=rpm, tpm=tpm, batch_n=batch_n)
        return dspy.LM(spec, model_type="chat", temperature=temperature, max_tokens=max_tokens,
                       num_retries=num_retries, engine=engine,
                       async_engine=AsyncChatEngine(engine), **lm_kwargs)

    kwargs: dict[str, Any] = dict(lm_kwargs)
    if api_key_env is not None:
        kwargs["api_key"] = env_key(_checked_env(api_key_env))
    if api_base is not None:
        kwargs["api_base"] = _checked_base(api_base)
        kwargs.setdefault("api_key", LOCAL_SERVER_PLACEHOLDER_KEY)
    return dspy.LM(spec, model_type=model_type, temperature=temperature,
                   max_tokens=max_tokens, num_retries=num_retries, **kwargs)


def _checked_env(name: str | None) -> str | None:
    if name is not None and not _ENV_NAME.match(name):
        raise ValueError("api_key_env must be the NAME of an environment variable (e.g. "
                         "DEEPSEEK_API_KEY), not a key")
    return name


def _checked_base(api_base: str | None) -> str | None:
    if api_base is not None:
        parts = urlsplit(api_base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"api_base must be an http(s) URL such as "
                             f"'http://127.0.0.1:8080/v1', got {_host_of(api_base)!r}")
        if parts.username or parts.password or looks_like_key(api_base):
            raise ValueError("api_base must not carry credentials (user:password@, ?api_key=, "
                             "a key); export the key and pass api_key_env=<VARIABLE NAME>")
    return api_base


class CompletionsEngine:
    """A DSPy engine for a base model behind a text-completions API, via LiteLLM.

    Sends the request's prompt verbatim (no chat template, no suffix) with max_tokens,
    temperature, top_p, stop and seed. The key is read from `api_key_env` at call time, so it
    is never stored on the LM or in saved state; with `api_base` and no variable a placeholder
    is sent; otherwise LiteLLM's own environment lookup applies.
    """

    def __init__(self, model: str, api_base: str | None = None, api_key_env: str | None = None,
                 rpm: float | None = None, tpm: float | None = None):
        provider, _, name = model.partition("/")
        # LiteLLM reaches an OpenAI-style /v1/completions endpoint under this provider name;
        # other providers are left to LiteLLM's own text-completion routing.
        self.wire_model = f"text-completion-openai/{name}" if provider == "openai" else model
        self.model = model
        self.api_base = api_base
        self.api_key_env = api_key_env
        self.rpm, self.tpm = rpm, tpm

    def _arguments(self, request: Request) -> dict[str, Any]:
        config = request.config
        arguments: dict[str, Any] = {"model": self.wire_model, "prompt": request_prompt(request)}
        for name in ("max_tokens", "temperature", "top_p", "seed", "frequency_penalty",
                     "presence_penalty"):
            if getattr(config, name) is not None:
                arguments[name] = getattr(config, name)
        if config.stop:
            arguments["stop"] = list(config.stop)
        arguments.update(client_arguments(self.api_base, self.api_key_env))
        return arguments

    def _throttled(self, arguments: dict[str, Any], send):
        return throttled(self.model, self.api_base, self.rpm, self.tpm, arguments["prompt"],
                         arguments.get("max_tokens"), 1, send)

    def _response(self, request: Request, raw: Any) -> Response:
        choice = raw.choices[0]
        usage = getattr(raw, "usage", None)
        return text_response(request, choice.text or "", choice.finish_reason or "stop",
                             getattr(usage, "prompt_tokens", None),
                             getattr(usage, "completion_tokens", None),
                             response_id=getattr(raw, "id", None))

    def complete(self, request: Request) -> Response:
        arguments = self._arguments(request)
        # DSPy owns retries: LiteLLM errors become dspy.lm15 errors that DSPy classifies.
        raw = self._throttled(arguments, lambda: get_litellm(
            feature="text completions").text_completion(**arguments))
        return self._response(request, raw)

    def stream(self, request: Request):
        return response_to_events(self.complete(request))

    def close(self) -> None:
        pass

    def dump_state(self) -> dict:
        state = {"model": self.model, "api_base": self.api_base, "api_key_env": self.api_key_env}
        state.update({k: v for k, v in (("rpm", self.rpm), ("tpm", self.tpm)) if v is not None})
        return state

    @classmethod
    def load_state(cls, state: dict) -> CompletionsEngine:
        return cls(**state)


class AsyncCompletionsEngine(AsyncFromSync):
    """The sync engine in a worker thread: its rate limiter is shared with sync calls."""

    sync_type = CompletionsEngine


class BatchedCompletionsEngine(CompletionsEngine):
    """``CompletionsEngine`` that sends a call's ``n`` choices as one request (``batch_n``):
    DSPy hands it the whole call (``complete_legacy``), not one request per choice."""

    batch_n = True

    def __init__(self, *args, batch_n: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.n_refused = False

    def complete_legacy(self, lm, request: dict, **context) -> CallResult:
        prompt = "".join(str(m.get("content") or "") for m in request.get("messages") or [])
        arguments: dict[str, Any] = {"model": self.wire_model, "prompt": prompt}
        for name in ("max_tokens", "temperature", "top_p", "seed", "frequency_penalty",
                     "presence_penalty", "n"):
            if request.get(name) is not None:
                arguments[name] = request[name]
        if request.get("stop"):
            arguments["stop"] = list(request["stop"])
        arguments.update(client_arguments(self.api_base, self.api_key_env))
        raw = send_choices(self, prompt, arguments.get("max_tokens"), int(arguments.get("n", 1)),
                           lambda: get_litellm(feature="text completions").text_completion(
                               **arguments))
        completed_legacy(raw)
        return CallResult.legacy(lm, raw, kwargs=request)

    def dump_state(self) -> dict:
        return {**super().dump_state(), "batch_n": True}


class AsyncBatchedCompletionsEngine(AsyncChatEngine):
    sync_type = BatchedCompletionsEngine


def describe_lm(lm: Any) -> dict[str, Any]:
    """Non-secret facts about an LM for logs and run metadata (never keys, URL paths or
    query strings, which can carry tokens)."""
    kwargs = dict(getattr(lm, "kwargs", {}) or {})
    engine = getattr(lm, "engine", "auto")
    info: dict[str, Any] = {
        "model": getattr(lm, "model", type(lm).__name__),
        "model_type": getattr(lm, "model_type", None),
        "temperature": kwargs.get("temperature"),
        "max_tokens": kwargs.get("max_tokens", kwargs.get("max_completion_tokens")),
        "engine": engine if isinstance(engine, str) else type(engine).__name__,
        "cache": getattr(lm, "cache", None),
        "num_retries": getattr(lm, "num_retries", None),
    }
    state: dict[str, Any] = {}
    if hasattr(engine, "dump_state") and not isinstance(engine, str):
        # A fake with a custom responder has no JSON state: then there is nothing to report.
        with contextlib.suppress(TypeError):
            state = dict(engine.dump_state())
    base = kwargs.get("api_base") or kwargs.get("base_url") or state.pop("api_base", None)
    if base:
        info["api_base_host"] = _host_of(base)
    if state:
        info["engine_state"] = state
    return info


def _host_of(url: str) -> str:
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or ""
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "<unparseable>"
