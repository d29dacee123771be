"""Time ``ensure_nltk_data``: the first call in a process (finds or builds the data) and the
repeat calls every scorer makes (answered from memory).

    python bench/nltk_data_speed.py [--calls 1000]
"""

from __future__ import annotations

import argparse
import time

from mopa.scoring.nltk_data import ensure_nltk_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    start = time.perf_counter()
    root = ensure_nltk_data()
    first = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(args.calls):
        ensure_nltk_data()
    repeat = time.perf_counter() - start
    print(f"data root: {root}")
    print(f"first call: {first * 1e3:.1f} ms")
    print(f"{args.calls} repeat calls: {repeat * 1e3:.2f} ms ({repeat / args.calls * 1e6:.2f} "
          "µs per call)")


if __name__ == "__main__":
    main()
