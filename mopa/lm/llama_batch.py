"""The scheduler's backend: one llama.cpp context holding many sequences, through the
low-level `llama_cpp` bindings.

Why in process and not llama.cpp's own `llama-server` (continuous batching, --parallel,
prompt cache): the server would have to be built from the sources llama-cpp-python vendors
(many minutes on 2 cores, and a C++ toolchain wherever MoPA is installed), started as a child
process on a port, health-checked and stopped, with its own KV cache and buffers beside the
in-process model that `mopa.lm.scoring` needs anyway. `llama_cpp` already exposes the batch
API the server is built on (llama_batch with sequence ids, llama_memory_seq_cp/_rm, sampler
chains), so the same schedule is a few hundred lines of Python on the weights already loaded.
The server would run the same ggml kernels, whose arithmetic is what limits a step here
(bench/embedded_throughput.py), so it could not be faster per step.

Context settings and why:
- `kv_unified`: all sequences share one KV buffer, so copying a prompt prefix to another
  sequence only tags the cells (no data copy, any prefix length) and a shared prefix is stored
  once; split per-sequence buffers can copy only whole buffers.
- `swa_full`: Gemma-3 has sliding-window layers whose cache otherwise forgets positions more
  than a window (512) behind a sequence's end; a prefix copied from a sequence that has moved
  on would then lack them. The full cache costs 18 KB per cell for this model.
- `n_outputs_max = n_seq`: at most one row of logits per sequence per step; the default
  (n_batch rows of a 262144-token vocabulary) would reserve 512 MB of compute buffer.
"""

from __future__ import annotations

import ctypes
from typing import Any

from mopa.lm.scheduler import Sampling


class LlamaBatchBackend:
    def __init__(self, llama: Any, n_seq: int, n_cells: int, n_threads: int,
                 n_batch: int = 512):
        import llama_cpp  # lazy: optional dependency (mopa[embedded])

        if n_batch < n_seq:
            raise ValueError(f"n_batch={n_batch} must hold one token per sequence ({n_seq})")
        self._c = llama_cpp
        self._llama = llama  # owns the model; keeps it alive as long as this context
        params = llama_cpp.llama_context_default_params()
        params.n_ctx, params.n_batch, params.n_ubatch = n_cells, n_batch, n_batch
        params.n_seq_max, params.n_outputs_max = n_seq, n_seq
        params.n_threads = params.n_threads_batch = n_threads
        params.kv_unified, params.swa_full = True, True
        # As the Llama object's context (flash attention off): the same logits as its
        # create_completion; flash attention measured no faster on this CPU.
        params.flash_attn_type = llama.context_params.flash_attn_type
        self.ctx = llama_cpp.llama_init_from_model(llama._model.model, params)
        if self.ctx is None:
            raise RuntimeError(f"llama.cpp could not create a context of {n_cells} cells for "
                               f"{n_seq} sequences")
        self.mem = llama_cpp.llama_get_memory(self.ctx)
        self.vocab = llama._model.vocab
        self.batch = llama_cpp.llama_batch_init(n_batch, 0, 1)
        self.n_seq, self.n_cells, self.n_batch = n_seq, llama_cpp.llama_n_ctx(self.ctx), n_batch

    def decode(self, tokens: list[int], positions: list[int], seqs: list[int],
               logits: list[bool]) -> None:
        batch = self.batch
        batch.n_tokens = len(tokens)
        for i, (token, pos, seq, want) in enumerate(zip(tokens, positions, seqs, logits,
                                                        strict=True)):
            batch.token[i], batch.pos[i], batch.logits[i] = token, pos, want
            batch.seq_id[i][0], batch.n_seq_id[i] = seq, 1
        code = self._c.llama_decode(self.ctx, batch)
        if code != 0:
            raise RuntimeError(f"llama_decode returned {code} for a batch of {len(tokens)} "
                               "tokens")

    def new_sampler(self, sampling: Sampling) -> Any:
        """The chain llama-cpp-python's `create_completion` builds (no-op links left out), so
        a request alone samples exactly what the single-sequence engine sampled."""
        c = self._c
        chain = c.llama_sampler_chain_init(c.llama_sampler_chain_default_params())
        links = []
        if sampling.frequency_penalty or sampling.presence_penalty:
            # llama-cpp-python's window of recent tokens (last_n_tokens_size=64)
            links.append(c.llama_sampler_init_penalties(
                self._llama.n_vocab(), 64, 1.0, sampling.frequency_penalty,
                sampling.presence_penalty))
        if sampling.temperature <= 0:
            links.append(c.llama_sampler_init_greedy())
        else:
            links += [c.llama_sampler_init_top_k(sampling.top_k),
                      c.llama_sampler_init_top_p(sampling.top_p, 1),
                      c.llama_sampler_init_min_p(sampling.min_p, 1),
                      c.llama_sampler_init_temp(sampling.temperature),
                      c.llama_sampler_init_dist(sampling.seed)]
        for link in links:
            c.llama_sampler_chain_add(chain, link)  # the chain owns and frees its links
        return chain

    def sample(self, sampler: Any, index: int) -> int:
        return self._c.llama_sampler_sample(sampler, self.ctx, index)

    def free_sampler(self, sampler: Any) -> None:
        self._c.llama_sampler_free(sampler)

    def is_eog(self, token: int) -> bool:
        return bool(self._c.llama_vocab_is_eog(self.vocab, token))

    def piece(self, token: int) -> bytes:
        size = 32
        while True:
            buf = ctypes.create_string_buffer(size)
            n = self._c.llama_token_to_piece(self.vocab, token, buf, size, 0, False)
            if n >= 0:
                return buf.raw[:n]
            size = -n  # a negative result is the size the piece needs

    def seq_rm(self, seq: int, start: int) -> None:
        self._c.llama_memory_seq_rm(self.mem, seq, start, -1)

    def seq_cp(self, src: int, dst: int, length: int) -> None:
        self._c.llama_memory_seq_cp(self.mem, src, dst, 0, length)
