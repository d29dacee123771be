"""The batch scheduler against a fake model (no llama.cpp): fast, deterministic."""

import itertools
import threading

import pytest

from mopa.lm.scheduler import Job, Sampling, Scheduler


class FakeBackend:
    """A "model" whose next token is the sequence's last KV token + 1 + seed.

    It keeps a KV per sequence as a list of cell ids, so a prefix copy shares cells as
    llama.cpp's unified cache does; decode checks that positions continue each sequence and
    that the distinct cells in use never exceed n_cells. Token 99 is end-of-generation and
    token t reads as "t ".
    """

    def __init__(self, n_seq=4, n_cells=1000, n_batch=64):
        self.n_seq, self.n_cells, self.n_batch = n_seq, n_cells, n_batch
        self.kv = {seq: [] for seq in range(n_seq)}  # cell ids by position
        self.tokens = {}  # cell id -> token
        self.cell_ids = itertools.count()
        self.batches = []  # (tokens, seqs) of every decode call
        self.fail_next = False

    def decode(self, tokens, positions, seqs, logits):
        assert 0 < len(tokens) <= self.n_batch
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("decode failed")
        for token, pos, seq in zip(tokens, positions, seqs, strict=True):
            assert pos == len(self.kv[seq]), f"sequence {seq}: position {pos} skips or repeats"
            cell = next(self.cell_ids)
            self.tokens[cell] = token
            self.kv[seq].append(cell)
        assert len({c for cells in self.kv.values() for c in cells}) <= self.n_cells
        self.outputs = [seq if want else None for seq, want in zip(seqs, logits, strict=True)]
        self.batches.append((list(tokens), list(seqs)))

    def new_sampler(self, sampling):
        return sampling.seed

    def sample(self, seed, index):
        seq = self.outputs[index]
        assert seq is not None, "sampled a row without logits"
        return self.tokens[self.kv[seq][-1]] + 1 + seed

    def free_sampler(self, sampler):
        pass

    def is_eog(self, token):
        return token == 99

    def piece(self, token):
        return f"{token} ".encode()

    def seq_rm(self, seq, start):
        del self.kv[seq][start:]

    def seq_cp(self, src, dst, length):
        assert not self.kv[dst], "copy into a sequence that was not cleared"
        self.kv[dst] = self.kv[src][:length]


def job(prompt, max_tokens=5, seed=0, stop=()):
    return Job(list(prompt), max_tokens, tuple(stop), Sampling(seed=seed))


def drain(scheduler, jobs):
    """Queue all jobs at once, then run the scheduler's steps in this thread until done."""
    scheduler._waiting.extend(jobs)
    while any(not j.future.done() for j in jobs):
        scheduler._admit()
        scheduler._step()
    return [j.future.result() for j in jobs]


def test_each_job_continues_its_own_prompt():
    backend = FakeBackend(n_seq=3)
    jobs = [job([1, 10 * i, 10 * i + 1], max_tokens=4) for i in range(1, 8)]
    results = drain(Scheduler(backend), jobs)
    for i, done in enumerate(results, 1):
        start = 10 * i + 2
        assert done.text == " ".join(str(t) for t in range(start, start + 4)) + " "
        assert (done.finish_reason, done.completion_tokens) == ("length", 4)
    # generating sequences share decode calls: three at a time
    assert max(len(set(seqs)) for _, seqs in backend.batches) == 3


def test_stop_string_and_end_of_generation():
    stopped, ended = drain(Scheduler(FakeBackend()), [
        job([1, 40], max_tokens=10, stop=("43",)),
        job([2, 95], max_tokens=10)])  # 96, 97, 98, then 99 = EOS
    assert (stopped.text, stopped.finish_reason, stopped.completion_tokens) == ("41 42 ", "stop", 3)
    assert (ended.text, ended.finish_reason, ended.completion_tokens) == ("96 97 98 ", "stop", 3)


def test_shared_prefix_is_read_once_when_jobs_arrive_together():
    backend = FakeBackend(n_batch=16)
    shared = list(range(1, 41))
    jobs = [job(shared + [50 + i], max_tokens=2, seed=i) for i in range(3)]
    results = drain(Scheduler(backend), jobs)
    prefilled = sum(len(tokens) for tokens, _ in backend.batches) - sum(r.completion_tokens - 1
                                                                         for r in results)
    assert prefilled == 40 + 3  # the shared 40 once, then each job's own last token
    assert sorted(r.reused_tokens for r in results) == [0, 40, 40]
    for i, r in enumerate(results):
        first = 50 + i + 1 + i
        assert r.text == f"{first} {first + 1 + i} "


def test_idle_cache_serves_a_later_job():
    backend = FakeBackend()
    scheduler = Scheduler(backend)
    prompt = list(range(1, 21))
    first = drain(scheduler, [job(prompt)])[0]
    second = drain(scheduler, [job(prompt)])[0]
    assert (first.reused_tokens, second.reused_tokens) == (0, 19)
    assert first.text == second.text


def test_jobs_wait_for_cells_and_idle_caches_are_dropped():
    backend = FakeBackend(n_seq=4, n_cells=30)
    jobs = [job([1, 100 * i + 1] + [7] * 10, max_tokens=5) for i in range(1, 5)]
    results = drain(Scheduler(backend), jobs)  # 17 cells each: never two at once
    assert all(r.completion_tokens == 5 for r in results)
    assert max(len(set(seqs)) for _, seqs in backend.batches) == 1
    with pytest.raises(ValueError, match="cannot run"):
        Scheduler(backend).run(job([1] * 28, max_tokens=5))


def test_a_failed_step_fails_its_jobs_and_the_scheduler_goes_on():
    backend = FakeBackend()
    scheduler = Scheduler(backend)
    backend.fail_next = True
    broken = job([1, 2, 3])
    with pytest.raises(RuntimeError, match="decode failed"):
        scheduler.run(broken)
    assert scheduler.run(job([1, 2, 3], max_tokens=2)).text == "4 5 "


def test_threads_submitting_at_once_get_their_own_answers():
    backend = FakeBackend(n_seq=4, n_batch=8)
    scheduler = Scheduler(backend)
    results, errors = {}, []

    def work(i):
        try:
            results[i] = scheduler.run(job([1, 1000 * i], max_tokens=6, seed=i % 3))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, 17)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and len(results) == 16
    for i, done in results.items():
        step = 1 + i % 3
        assert done.text == " ".join(str(1000 * i + step * k) for k in range(1, 7)) + " "


def test_a_short_common_prefix_is_read_again_not_copied():
    backend = FakeBackend()
    results = drain(Scheduler(backend), [job([1, 2, 3, 10], max_tokens=2),
                                         job([1, 2, 3, 20], max_tokens=2)])
    assert [r.reused_tokens for r in results] == [0, 0]
    assert [r.text for r in results] == ["11 12 ", "21 22 "]
