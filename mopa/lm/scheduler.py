"""Continuous batching: generation requests from many threads share one model context.

A scheduler thread owns the context. `Scheduler.run(job)` queues a job and blocks until it is
done; meanwhile the thread admits queued jobs into free sequence slots and, at every step,
calls the backend's `decode` once for all of them: one token for each sequence that is
generating, plus chunks of the prompts still being read (continuous batching, as in
llama.cpp's server). A step reads every weight once whatever the number of tokens in it, so
sequences decoded side by side cost less than one after another; how much less depends on how
much of a step is arithmetic per token (see bench/embedded_throughput.py).

Prompt reuse: the KV of every sequence stays in the context after its job ends (an idle
cache). A new job starts from the longest prefix of its prompt held by any sequence, copying
that KV (`seq_cp`, no recomputation); if another job is still reading a longer common prefix,
the new job waits for it, so N proposers with one shared prompt read it once.

Memory: a job reserves prompt + max_tokens cells of the shared KV cache while it runs; a job
is admitted only if the reservations fit, and idle caches are dropped, least recently used
first, before a step could run out of cells. Sharing only lowers the real use, so a decode
never finds the cache full.

Reproducibility: llama.cpp's kernels round differently for batches of different shapes and
for different cache layouts (measured on this model: up to ~1.5 on a logit, from chunking a
prompt differently or from other sequences' cells in the cache; never from their contents),
so a seeded call gives exactly the same sample only when it is computed the same way, e.g. as
the first call of a process; beside other calls a sampled token can differ. Re-runs of a
program are made identical by DSPy's cache, not by the engine.

The backend is the model (see `mopa.lm.llama_batch`); the scheduler is plain Python and is
tested with a fake one.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sampling:
    """Per-request sampling; the defaults are llama-cpp-python's `create_completion` ones."""

    temperature: float = 0.8  # 0 = greedy
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    seed: int = 0


@dataclass
class Job:
    prompt: list[int]  # token ids, already fitted to the request window
    max_tokens: int
    stop: tuple[str, ...] = ()
    sampling: Sampling = Sampling()
    future: Future = field(default_factory=Future)


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str  # "stop" (EOS or a stop string) or "length"
    completion_tokens: int
    reused_tokens: int  # prompt tokens whose KV was copied from the cache, not recomputed


class Backend(Protocol):
    n_seq: int  # parallel sequences
    n_cells: int  # KV cells shared by all sequences
    n_batch: int  # tokens per decode call

    def decode(self, tokens: list[int], positions: list[int], seqs: list[int],
               logits: list[bool]) -> None: ...
    def new_sampler(self, sampling: Sampling) -> Any: ...
    def sample(self, sampler: Any, index: int) -> int: ...  # index: position in the last batch
    def free_sampler(self, sampler: Any) -> None: ...
    def is_eog(self, token: int) -> bool: ...
    def piece(self, token: int) -> bytes: ...
    def seq_rm(self, seq: int, start: int) -> None: ...  # drop positions >= start
    def seq_cp(self, src: int, dst: int, length: int) -> None: ...  # share positions < length


NEW, PREFILL, GEN = "new", "prefill", "gen"
# Shorter common prefixes (e.g. only the beginning-of-text token) are read again rather than
# copied: they save almost nothing, and a copy ties a call's numbers to another call's batch.
MIN_REUSE = 16


@dataclass
class _Slot:
    seq: int
    cached: list[int] = field(default_factory=list)  # tokens whose KV the sequence holds
    job: Job | None = None
    state: str = ""
    sampler: Any = None
    out: list[int] = field(default_factory=list)  # generated; out[-1] is not in the KV yet
    text: bytearray = field(default_factory=bytearray)
    reused: int = 0
    started: int = 0  # start order: prompts are read first come, first served
    used_at: int = 0  # step of last use, for evicting idle caches

    def reservation(self) -> int:
        return len(self.job.prompt) + self.job.max_tokens if self.job else 0


def common_prefix(a: list[int], b: list[int], limit: int) -> int:
    n = 0
    for x, y in zip(a[:limit], b[:limit], strict=False):
        if x != y:
            break
        n += 1
    return n


class Scheduler:
    def __init__(self, backend: Backend):
        self.backend = backend
        self.slots = [_Slot(seq) for seq in range(backend.n_seq)]
        self._waiting: deque[Job] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._step_no = 0
        self._starts = itertools.count()

    def run(self, job: Job) -> Completion:
        """Queue `job` and wait for its completion (raises what the step raised for it)."""
        need = len(job.prompt) + job.max_tokens
        if not job.prompt or job.max_tokens < 1 or need > self.backend.n_cells:
            raise ValueError(f"a job of {len(job.prompt)} prompt tokens + max_tokens="
                             f"{job.max_tokens} cannot run in {self.backend.n_cells} KV cells")
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="llama-batch",
                                                daemon=True)
                self._thread.start()
            self._waiting.append(job)
            self._cond.notify()
        return job.future.result()

    def _active(self) -> list[_Slot]:
        return [s for s in self.slots if s.job is not None]

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._waiting and not self._active():
                    self._cond.wait()
                self._admit()
            try:
                self._step()
            except Exception as exc:  # unknown context state: fail every job, start clean
                logger.exception("embedded LM: batch step failed")
                for slot in self.slots:
                    if slot.job is not None:
                        self._finish(slot, error=exc)
                    self.backend.seq_rm(slot.seq, 0)
                    slot.cached = []

    def _admit(self) -> None:
        """Move queued jobs, in order, into free slots while their reservations fit."""
        while self._waiting:
            job = self._waiting[0]
            free = [s for s in self.slots if s.job is None]
            reserved = sum(s.reservation() for s in self.slots)
            if not free or reserved + len(job.prompt) + job.max_tokens > self.backend.n_cells:
                return
            # The free slot already holding most of the prompt, else the least recently used.
            slot = max(free, key=lambda s: (common_prefix(s.cached, job.prompt, len(job.prompt)),
                                            -s.used_at))
            self._waiting.popleft()
            # Keep only what the new prompt can use, so a job that waits (see _start) holds
            # no more cells than it reserved.
            keep = common_prefix(slot.cached, job.prompt, len(job.prompt) - 1)
            keep = keep if keep >= MIN_REUSE else 0
            self.backend.seq_rm(slot.seq, keep)
            del slot.cached[keep:]
            slot.job, slot.state, slot.out, slot.text = job, NEW, [], bytearray()

    def _step(self) -> None:
        self._step_no += 1
        self._evict_idle()
        for slot in self.slots:
            if slot.state == NEW:
                self._start(slot)
        entries = [(slot, slot.out[-1], True) for slot in self.slots if slot.state == GEN]
        budget = self.backend.n_batch - len(entries)
        for slot in sorted((s for s in self.slots if s.state == PREFILL), key=lambda s: s.started):
            if budget <= 0:
                break
            prompt, start = slot.job.prompt, len(slot.cached)
            chunk = prompt[start:start + budget]
            entries += [(slot, token, i == len(prompt) - 1) for i, token in enumerate(chunk, start)]
            budget -= len(chunk)
        if not entries:
            return
        positions = []
        for slot, token, _ in entries:
            positions.append(len(slot.cached))
            slot.cached.append(token)
            slot.used_at = self._step_no
        self.backend.decode([t for _, t, _ in entries], positions,
                            [s.seq for s, _, _ in entries], [w for _, _, w in entries])
        for index, (slot, _, wants) in enumerate(entries):
            if wants:
                slot.state = GEN
                self._accept(slot, self.backend.sample(slot.sampler, index))

    def _evict_idle(self) -> None:
        """Drop idle caches (least recently used first) until the worst case fits the cache."""
        idle = sorted((s for s in self.slots if s.job is None and s.cached),
                      key=lambda s: s.used_at)
        used = sum(s.reservation() for s in self.slots) + sum(len(s.cached) for s in idle)
        for slot in idle:
            if used <= self.backend.n_cells:
                return
            used -= len(slot.cached)
            self.backend.seq_rm(slot.seq, 0)
            slot.cached = []

    def _start(self, slot: _Slot) -> None:
        """Give a new job the longest cached prefix of its prompt, or let it wait for one."""
        prompt = slot.job.prompt
        limit = len(prompt) - 1  # the last prompt token is always decoded: it yields the logits
        best, length = slot, common_prefix(slot.cached, prompt, limit)
        for other in self.slots:
            n = common_prefix(other.cached, prompt, limit)
            if n > length:
                best, length = other, n
        pending = max((common_prefix(o.job.prompt, prompt, limit) for o in self.slots
                       if o.state == PREFILL), default=0)
        if pending > length and pending >= MIN_REUSE:
            return  # another job is reading a longer common prefix: copy it when it is there
        if length < MIN_REUSE:
            best, length = slot, 0
        if best is slot:
            self.backend.seq_rm(slot.seq, length)
        else:
            self.backend.seq_rm(slot.seq, 0)
            self.backend.seq_cp(best.seq, slot.seq, length)
        slot.cached, slot.reused = prompt[:length], length
        slot.sampler = self.backend.new_sampler(slot.job.sampling)
        slot.state, slot.started = PREFILL, next(self._starts)

    def _accept(self, slot: _Slot, token: int) -> None:
        job = slot.job
        if self.backend.is_eog(token):
            self._finish(slot, "stop")
            return
        slot.out.append(token)
        slot.text += self.backend.piece(token)
        text = slot.text.decode("utf-8", errors="ignore")
        cuts = [i for i in (text.find(s) for s in job.stop if s) if i >= 0]
        if cuts:
            self._finish(slot, "stop", text[:min(cuts)])
        elif len(slot.out) >= job.max_tokens:
            self._finish(slot, "length", text)

    def _finish(self, slot: _Slot, reason: str = "", text: str | None = None,
                error: BaseException | None = None) -> None:
        job = slot.job
        if slot.sampler is not None:
            self.backend.free_sampler(slot.sampler)
        if error is not None:
            job.future.set_exception(error)
        else:
            if text is None:
                text = slot.text.decode("utf-8", errors="ignore")
            job.future.set_result(Completion(text, reason, len(slot.out), slot.reused))
        slot.job, slot.state, slot.sampler = None, "", None
