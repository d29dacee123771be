"""Wall time per example of MoPA with concurrent vs one-by-one LM calls, on a fake LM.

Each fake call sleeps a fixed latency, so the numbers isolate the program's scheduling:
sequential costs planners + N*L + L call latencies; the concurrent schedule's critical path is
planner + L proposal rounds + 1 aggregation = L + 2 latencies (earlier aggregations run beside
the next layer).

    python bench/mopa_latency.py --agents 4 --layers 5 --latency 0.1
"""

from __future__ import annotations

import argparse
import statistics
import time

import dspy

from mopa.lm import PlainTextAdapter, fake_lm
from mopa.programs import MoPA, make_config

PROFILE = "[1] Rating: 5.0. Summary: \"Solid\". Review: Solid stand, holds my bass steady."
QUERY = "Generate the review text for a guitar stand."


def time_program(max_workers: int | None, agents: int, layers: int, latency: float,
                 repeats: int) -> list[float]:
    config = make_config("planner-mopa", agents=agents, layers=layers)
    program = MoPA(config, max_workers=max_workers)
    lm = fake_lm(latency=latency)
    times = []
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        for i in range(repeats):
            start = time.perf_counter()
            program(profile=PROFILE, query=f"{QUERY} ({i})")
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--layers", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per fake call")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    calls = make_config("planner-mopa", agents=args.agents, layers=args.layers).lm_calls
    critical = args.layers + 2
    print(f"planner-mopa {args.agents}x{args.layers}: {calls} LM calls per example, "
          f"latency {args.latency:.3f} s per call")
    for label, workers in (("sequential", 1), ("concurrent", None)):
        times = time_program(workers, args.agents, args.layers, args.latency, args.repeats)
        wall = statistics.median(times)
        print(f"{label:>10}: {wall:.3f} s per example = {wall / args.latency:.2f} call "
              f"latencies (sequential order {calls}, critical path {critical}; "
              f"ratio to critical path {wall / (critical * args.latency):.3f})")


if __name__ == "__main__":
    main()
