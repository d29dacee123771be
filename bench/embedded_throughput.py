"""The embedded model's batching engine against the engine it replaced (one lock, one context).

    MOPA_LLAMA_THREADS=1 python bench/embedded_throughput.py [--mopa-examples 1] [--skip-mopa]

1. N = 1, 2, 4, 8 concurrent generations of 128 tokens after a shared ~600-token prefix (a new
   prefix per round, so every round reads it once): wall seconds, generated tokens/s, and
   wall(N)/wall(1), for both engines, interleaved in one run (the machine is noisy: compare
   ratios, not absolute times).
2. Where a decode step's time goes: the model's weights read once per step (memory bandwidth
   floor) against the measured step time for 1-8 sequences, with logits for every sequence
   or for one only (the 262144 x 640 output matrix is most of the arithmetic).
3. A 4x2 Planner-MoPA example of the dev data (--data), before and after. Wall times follow
   how long the drafts run (from a few tokens to max_tokens, differently in every run), so
   read the speed-up per generated token too, or use --temperature 0 for closer workloads.

"Before" is `SingleLockEngine` below: the former engine, kept only here.
"""

from __future__ import annotations

import argparse
import contextvars
import os
import random
import threading
import time
from pathlib import Path

import dspy
import numpy as np

from mopa.lm import PlainTextAdapter
from mopa.lm.embedded import (
    DEFAULT_MODEL_NAME,
    FALLBACK_MAX_TOKENS,
    LlamaCppEngine,
    embedded_lm,
    request_prompt,
    text_response,
)

# The real-review dev data sits next to the repository (../shared/data), never inside it.
DEV_DATA = str(Path(__file__).resolve().parents[2] / "shared" / "data"
               / "amazon_mi_product_review_temporal.dev.jsonl")
PREFIX = ("Past reviews by this customer, most recent first.\n"
          "Review: These strings sound bright, stay in tune for weeks and feel smooth under the "
          "fingers. I play every evening and they still ring clearly after a month of use. ")


class SingleLockEngine(LlamaCppEngine):
    """The engine before batching: each call takes the model's one lock and runs
    llama-cpp-python's `create_completion` on the one context (which reuses the previous
    call's common prompt prefix)."""

    def complete(self, request):
        config = request.config
        max_tokens = config.max_tokens or FALLBACK_MAX_TOKENS
        options = {"max_tokens": max_tokens, "stop": list(config.stop),
                   "seed": config.seed if config.seed is not None else random.randrange(2**31)}
        for name in ("temperature", "top_p", "top_k", "frequency_penalty", "presence_penalty"):
            if getattr(config, name) is not None:
                options[name] = getattr(config, name)
        loaded = self.model()
        with loaded.lock:
            tokens, _ = self._fit(loaded.llama, request_prompt(request), max_tokens)
            out = loaded.llama.create_completion(prompt=tokens, **options)
        choice, usage = out["choices"][0], out["usage"]
        return text_response(request, choice["text"], choice["finish_reason"],
                             usage["prompt_tokens"], usage["completion_tokens"])


def lms(temperature: float, max_tokens: int) -> dict[str, dspy.LM]:
    old = dspy.LM(DEFAULT_MODEL_NAME, model_type="text", temperature=temperature,
                  max_tokens=max_tokens, cache=False, engine=SingleLockEngine())
    engines = {"before": old, "after": embedded_lm(temperature=temperature,
                                                   max_tokens=max_tokens, cache=False)}
    for lm in engines.values():  # load the model and create the contexts, untimed
        lm("Warm-up:", max_tokens=4)
        lm.history.clear()
    return engines


def at_once(calls: list) -> None:
    barrier = threading.Barrier(len(calls))
    threads = [threading.Thread(target=lambda c=c: (barrier.wait(), c())) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def concurrency(n_values: list[int], prefix_tokens: int) -> None:
    engines = lms(temperature=0.8, max_tokens=128)
    llama = engines["after"].engine.model().llama
    body = PREFIX
    while len(llama.tokenize(body.encode())) < prefix_tokens:
        body += PREFIX.split("\n", 1)[1]
    walls: dict[tuple[str, int], float] = {}
    print(f"\n1. N concurrent generations of 128 tokens after a shared "
          f"{len(llama.tokenize(body.encode()))}-token prefix")
    print(f"{'engine':>7} {'N':>2} {'wall s':>7} {'tokens':>6} {'tok/s':>6} {'wall/wall(1)':>12}")
    for n in n_values:
        for name, lm in engines.items():
            head = f"Round {name} {n}.\n"  # a prefix no earlier round cached
            prompts = [f"{head}{body}\nReview {i + 1}: I bought this" for i in range(n)]
            start = len(lm.history)
            t0 = time.perf_counter()
            at_once([lambda p=p, s=s, lm=lm: lm(p, seed=s) for s, p in enumerate(prompts)])
            wall = walls[name, n] = time.perf_counter() - t0
            tokens = sum(e["usage"]["completion_tokens"] for e in lm.history[start:])
            print(f"{name:>7} {n:>2} {wall:7.1f} {tokens:6d} {tokens / wall:6.1f} "
                  f"{wall / walls[name, n_values[0]]:12.2f}")
    if 4 in n_values:
        for name in engines:
            print(f"{name}: wall(4)/wall(1) = {walls[name, 4] / walls[name, 1]:.2f}")


def step_costs(prefix_tokens: int = 600, steps: int = 24) -> None:
    """Decode steps at 1-8 sequences on the scheduler's backend, and the bandwidth floor."""
    from mopa.lm.llama_batch import LlamaBatchBackend

    llama = embedded_lm().engine.model().llama
    path = Path(llama.model_path)
    backend = LlamaBatchBackend(llama, 8, 4096, llama.context_params.n_threads)
    prompt = llama.tokenize((PREFIX * 20).encode())[:prefix_tokens]
    word = llama.tokenize(b" the", add_bos=False)[0]
    for i in range(0, len(prompt), backend.n_batch):
        chunk = prompt[i:i + backend.n_batch]
        backend.decode(chunk, list(range(i, i + len(chunk))), [0] * len(chunk),
                       [False] * len(chunk))
    for seq in range(1, 8):
        backend.seq_cp(0, seq, len(prompt))
    big = np.ones(128 * 2**20, dtype=np.float32)  # 512 MB, read once per timing
    big.sum()
    t0 = time.perf_counter()
    big.sum()
    bandwidth = big.nbytes / (time.perf_counter() - t0)
    floor = path.stat().st_size / bandwidth * 1000
    print(f"\n2. Decode step cost ({llama.context_params.n_threads} thread(s)); weights "
          f"{path.stat().st_size / 1e6:.0f} MB, one-thread read bandwidth "
          f"{bandwidth / 1e9:.1f} GB/s -> floor {floor:.0f} ms per step if bandwidth-bound")
    print(f"{'seqs':>4} {'ms/step, logits all':>20} {'ms/step, logits 1':>18} "
          f"{'tok/s':>6} {'x floor':>8}")
    for n in (1, 2, 4, 8):
        times = {}
        for all_logits in (True, False):
            for seq in range(n):
                backend.seq_rm(seq, len(prompt))
            t0 = time.perf_counter()
            for k in range(steps):
                backend.decode([word] * n, [len(prompt) + k] * n,
                               list(range(n)), [all_logits or seq == 0 for seq in range(n)])
            times[all_logits] = (time.perf_counter() - t0) / steps * 1000
        print(f"{n:>4} {times[True]:20.1f} {times[False]:18.1f} {n * 1000 / times[True]:6.1f} "
              f"{times[True] / floor:8.1f}")


def mopa_example(data: str, examples: int, workers: list[int], temperature: float) -> None:
    """The examples one after another on each engine, then side by side (`mopa run --workers`)
    on the batching one."""
    from concurrent.futures import ThreadPoolExecutor

    from mopa.data import load, select
    from mopa.lm.pool import LMPool
    from mopa.program_inputs import program_inputs
    from mopa.programs import build_program, make_config

    chosen = select(load(data), examples)
    config = make_config("planner-mopa", task=chosen[0].task, agents=4, layers=2)
    program = build_program(config, LMPool())
    engines = lms(temperature=temperature, max_tokens=256)
    print(f"\n3. Planner-MoPA 4x2 on {len(chosen)} example(s) of {Path(data).name}, "
          f"temperature {temperature}")
    runs = [("before", 1)] + [("after", w) for w in workers]
    walls, per_token = {}, {}
    for name, n_workers in runs:
        lm = engines[name]
        start = len(lm.history)

        def one(example, lm=lm):
            with dspy.context(lm=lm, adapter=PlainTextAdapter()):
                program(**program_inputs(example))

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            list(pool.map(lambda ex: contextvars.copy_context().run(one, ex), chosen))
        wall = walls[name, n_workers] = time.perf_counter() - t0
        entries = lm.history[start:]
        generated = sum(e["usage"]["completion_tokens"] for e in entries)
        per_token[name, n_workers] = wall / generated
        cached = sum((e["response"].provider_data or {}).get("prompt_cached_tokens", 0)
                     for e in entries)
        print(f"{name:>7} workers={n_workers}: {wall:6.1f} s = {wall / len(chosen):5.1f} s per "
              f"example; {len(entries)} calls, "
              f"{sum(e['usage']['prompt_tokens'] for e in entries)} prompt tokens ({cached} "
              f"copied from the cache), {generated} generated; speed-up "
              f"{walls['before', 1] / wall:.2f}x, per generated token "
              f"{per_token['before', 1] / per_token[name, n_workers]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="1,2,4,8", help="concurrent generations per round")
    parser.add_argument("--prefix-tokens", type=int, default=600)
    parser.add_argument("--data", default=DEV_DATA)
    parser.add_argument("--mopa-examples", type=int, default=2)
    parser.add_argument("--workers", default="1,2", help="side-by-side examples, batching engine")
    parser.add_argument("--temperature", type=float, default=0.7,
                        help="MoPA's; 0 gives both engines (nearly) the same outputs to time")
    parser.add_argument("--skip-mopa", action="store_true")
    parser.add_argument("--skip-concurrency", action="store_true")
    args = parser.parse_args()
    print(f"threads per context: MOPA_LLAMA_THREADS={os.environ.get('MOPA_LLAMA_THREADS', '2')}"
          f"; load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if not args.skip_concurrency:
        concurrency([int(n) for n in args.n.split(",")], args.prefix_tokens)
        step_costs(args.prefix_tokens)
    if not args.skip_mopa:
        mopa_example(args.data, args.mopa_examples,
                     [int(w) for w in args.workers.split(",")], args.temperature)
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
