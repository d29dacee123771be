"""Log-probabilities of a text given a context from the embedded model, without generating.

A base model is poor at rewriting drafts but good at telling how likely a text is; scoring
drafts this way lets an aggregator choose among them (likelihood given the user's past texts,
or its contrast with the likelihood given the query alone).

One prefill pass: context + text are decoded together, and logits are requested (batch
``logits`` flags) only at the positions that predict the text's tokens. `Llama(logits_all=True)`
is avoided on purpose: it keeps n_ctx × vocab floats (8192 × 262144 × 4 B ≈ 8.6 GB for
Gemma-3). Even the requested rows cost 1 MB each (262144 floats), so they are decoded at most
`LOGIT_ROWS` at a time, which bounds llama.cpp's output buffer (it keeps its largest size).

State: the scoring pass shares the Llama object's KV cache with `create_completion`. The
longest cached prefix (e.g. the same prompt scored for several drafts) is reused, and on exit
`input_ids[:n_tokens]` describes exactly what the KV cache holds, with `_requires_eval` set, so
the next completion reuses whatever prefix matches and re-decodes the rest, as after any
ordinary call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

# Rows of logits (1 MB each for a 262144-token vocabulary) per decode call.
LOGIT_ROWS = 64


def _log_softmax_at(logits: np.ndarray, targets: Sequence[int]) -> list[float]:
    """log p(target) per row. In place, in float32 (a float64 copy of 64 × 262144 logits took
    a third of the scoring time); the row max is subtracted first and the sum of exponentials
    accumulated in float64, so the result is accurate to ~1e-6."""
    rows = np.arange(len(targets))
    peak = logits.max(axis=1, keepdims=True)
    logits -= peak
    picked = logits[rows, list(targets)].astype(np.float64)
    np.exp(logits, out=logits)
    log_z = np.log(logits.sum(axis=1, dtype=np.float64))
    return (picked - log_z).tolist()


def _fit(llama: Any, context: list[int], text: list[int]) -> list[int]:
    """Context tokens cut from the START (keeping BOS) so context + text fit the window, as
    the engine cuts long prompts: the end holds the task and the cue the text continues."""
    room = llama.n_ctx() - len(text)
    if len(text) == 0 or room < 2:
        raise ValueError(f"a text of {len(text)} tokens cannot be scored in a "
                         f"{llama.n_ctx()}-token context")
    if len(context) <= room:
        return context
    head = context[:1] if context and context[0] == llama.token_bos() else []
    return head + context[len(context) - (room - len(head)):]


def _decode(llama: Any, tokens: Sequence[int], start: int, want_logits: bool) -> np.ndarray | None:
    """Decode `tokens` at positions start.. as sequence 0; the logits of every token if asked."""
    import llama_cpp  # lazy: optional dependency (mopa[embedded])

    batch = llama._batch.batch
    batch.n_tokens = len(tokens)
    for i, token in enumerate(tokens):
        batch.token[i] = token
        batch.pos[i] = start + i
        batch.seq_id[i][0] = 0
        batch.n_seq_id[i] = 1
        batch.logits[i] = want_logits
    code = llama_cpp.llama_decode(llama._ctx.ctx, batch)
    if code != 0:
        raise RuntimeError(f"llama_decode returned {code}")
    if not want_logits:
        return None
    # Outputs of the flagged tokens are stored contiguously, in batch order.
    flat = llama_cpp.llama_get_logits(llama._ctx.ctx)
    return np.ctypeslib.as_array(flat, shape=(len(tokens), llama.n_vocab())).copy()


def score_tokens(llama: Any, context: list[int], text: list[int],
                 max_batch: int | None = None) -> list[float]:
    """log p(text[i] | context + text[:i]) for each token id of `text`; caller holds the lock.

    max_batch: tokens per decode call (default: the context's n_batch). llama.cpp's kernels
    round differently for different batch sizes (this q4 model: up to ~0.3 per token, ~0.03
    on a text's mean), so only max_batch=1 reproduces one-token-at-a-time decoding exactly.
    """
    context = _fit(llama, list(context), list(text))
    full = context + list(text)
    first = len(context) - 1  # the position whose logits predict text[0]
    cached = llama.input_ids[: llama.n_tokens].tolist()
    keep = 0
    # Logits cannot come from the cache, so reuse stops before `first` at the latest.
    for a, b in zip(cached, full[:first], strict=False):
        if a != b:
            break
        keep += 1
    llama._ctx.kv_cache_seq_rm(0, keep, -1)
    llama.n_tokens = keep
    llama._requires_eval = True
    n_batch = max_batch or llama.n_batch
    try:
        # Context not yet in the cache: no logits wanted.
        for i in range(keep, first, n_batch):
            chunk = full[i:min(first, i + n_batch)]
            _decode(llama, chunk, i, want_logits=False)
            llama.input_ids[i:i + len(chunk)] = chunk
            llama.n_tokens = i + len(chunk)
        # Positions first .. len(full) - 2 predict the text's tokens; the last token of the
        # text predicts nothing we need, so it is not decoded.
        scores: list[float] = []
        for i in range(first, len(full) - 1, min(LOGIT_ROWS, n_batch)):
            chunk = full[i:min(len(full) - 1, i + min(LOGIT_ROWS, n_batch))]
            logits = _decode(llama, chunk, i, want_logits=True)
            llama.input_ids[i:i + len(chunk)] = chunk
            llama.n_tokens = i + len(chunk)
            scores.extend(_log_softmax_at(logits, full[i + 1:i + 1 + len(chunk)]))
    except BaseException:
        # Unknown KV state: make the next completion start from scratch.
        llama._ctx.kv_cache_seq_rm(0, 0, -1)
        llama.n_tokens = 0
        raise
    return scores


def token_logprobs(loaded_model: Any, context: str, text: str,
                   max_batch: int | None = None) -> list[float]:
    """log p of each token of `text` given `context` (one prefill pass, no generation).

    `loaded_model` is `mopa.lm.embedded.load_model(...)` (a Llama and its lock). The context is
    tokenized with BOS, as the engine tokenizes prompts; the text separately, without BOS, so
    its tokens are the same whatever precedes it (a text that continues a cue such as
    ``"Review:"`` should therefore start with its space: " Great capo.").
    """
    llama = loaded_model.llama
    with loaded_model.lock:
        context_ids = llama.tokenize(context.encode("utf-8"), add_bos=True, special=False)
        text_ids = llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        if not text_ids:
            return []
        return score_tokens(llama, context_ids, text_ids, max_batch)


def count_tokens(loaded_model: Any, text: str) -> int:
    """Tokens of `text` as `token_logprobs` counts them: the log-probabilities of a prefix of
    the text (e.g. the text trimmed to its last sentence) are the first count_tokens(prefix)."""
    return len(loaded_model.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))


def require_scorer(lm: Any, purpose: str):
    """The LM's ``token_logprobs(context, text)``, or a clear error naming what to use instead:
    an aggregator that scores drafts needs an LM that can give log-probabilities."""
    score = getattr(getattr(lm, "engine", None), "token_logprobs", None)
    if score is None:
        model = getattr(lm, "model", type(lm).__name__)
        raise ValueError(f"the {purpose} aggregator scores drafts with token log-probabilities, "
                         f"which {model} cannot give; use an LM that can (embedded, fake) as "
                         "--aggregator-lm, or --aggregator consensus/longest/merge")
    return score
