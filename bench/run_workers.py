"""Wall time of `mopa run --workers N` with the embedded model, N side by side in one run.

Each N runs as a fresh `mopa run` process with an empty DSPy cache (so every call is computed)
on the same examples. The counts are run in rounds (1, 2, 4, 1, 2, 4, ...) so that drift in the
machine's load falls on every count alike; each count's best round is compared.

    D=../shared/data/amazon_mi_product_review_temporal.dev300.jsonl
    python bench/run_workers.py --data $D \
        --selection selection-half --limit 8 --program rag-mopa --agents 2 --workers 1,2,4
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time


def one_run(args: argparse.Namespace, workers: int, scratch: str) -> float:
    out = tempfile.mkdtemp(dir=scratch, prefix=f"w{workers}-")
    env = dict(os.environ, DSPY_CACHEDIR=tempfile.mkdtemp(dir=scratch, prefix="cache-"))
    command = [sys.executable, "-m", "mopa.cli", "run", "--data", args.data,
               "--selection", args.selection, "--limit", str(args.limit),
               "--program", args.program, "--agents", str(args.agents), "--layers",
               str(args.layers), "--aggregator", args.aggregator, "--length-factor", "1.5",
               "--trim", "--workers", str(workers), "--no-progress", "--out", out]
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--selection", default="selection-half")
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--program", default="rag-mopa")
    parser.add_argument("--agents", type=int, default=2)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--aggregator", default="fusion")
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts")
    parser.add_argument("--rounds", type=int, default=2, help="runs of every count, interleaved")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    walls: dict[int, list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for workers in counts * args.rounds:
            wall = one_run(args, workers, scratch)
            walls.setdefault(workers, []).append(wall)
            print(f"workers={workers}: {wall:.1f} s, {wall / args.limit:.1f} s/example", flush=True)
    base = min(walls[counts[0]])
    print(f"{args.program} {args.agents}x{args.layers}, {args.limit} examples, "
          f"{os.cpu_count()} CPUs; speed-up of each count's best round vs workers={counts[0]}:")
    for workers in counts:
        print(f"  workers={workers}: {base / min(walls[workers]):.2f}x")


if __name__ == "__main__":
    main()
