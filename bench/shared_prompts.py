"""RAG MoPA against a local OpenAI-compatible server: what one n-choice request per layer saves,
and whether --rpm keeps a run under the server's rate limit without wasting it.

1. `mopa run` of RAG MoPA 4x1 on the demo reviews, with and without --batch-n: the requests,
   prompt and completion tokens per example the server counted (one proposer request of n=4
   choices instead of 4 requests billing the same prompt 4 times).
2. The same run with --rpm below the server's limit and several workers: the 429s the server
   sent (none expected) and the rate requests arrived at, against the --rpm asked.

The server (tests/servers/openai_compat.py) runs in this process; each run uses a new model
name, so DSPy's cache answers nothing.

    python bench/shared_prompts.py --limit 8 --rpm 270 --server-rpm 300
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mopa.cli import main as mopa  # noqa: E402
from tests.servers.openai_compat import OpenAIServer  # noqa: E402


def run(server: OpenAIServer, args: argparse.Namespace, *extra: str) -> float:
    server.reset()
    out = tempfile.mkdtemp(prefix="shared-prompts-")
    argv = ["run", "--data", "demo:product_review", "--limit", str(args.limit),
            "--program", "rag-mopa", "--agents", "4", "--layers", "1",
            "--lm", f"openai/bench-{uuid.uuid4().hex[:8]}", "--api-base", server.url,
            "--metrics", "rouge1", "--no-progress", "--out", out, *extra]
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = mopa(argv)
    if code != 0:
        raise SystemExit(f"mopa run exited {code}: {' '.join(argv)}")
    return time.perf_counter() - start


def per_example(server: OpenAIServer, limit: int) -> dict[str, float]:
    c = server.counts
    return {"requests": c.requests / limit, "prompt_tokens": c.prompt_tokens / limit,
            "completion_tokens": c.completion_tokens / limit,
            "proposer_choices_per_request": max(c.n_seen)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=8, help="demo examples per run")
    parser.add_argument("--rpm", type=float, default=270, help="--rpm of the rate-limited run")
    parser.add_argument("--server-rpm", type=int, default=300,
                        help="the server's limit, as requests per minute (over a 10 s window)")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    with OpenAIServer() as server:
        run(server, args, "--no-batch-n")
        before = per_example(server, args.limit)
        run(server, args, "--batch-n")
        after = per_example(server, args.limit)
    print(f"RAG MoPA 4x1, {args.limit} demo reviews, per example (server-counted words as tokens)")
    print(f"{'':>12} {'requests':>9} {'prompt tok':>11} {'completion tok':>15} {'n':>3}")
    for name, row in (("--no-batch-n", before), ("--batch-n", after)):
        print(f"{name:>12} {row['requests']:>9.2f} {row['prompt_tokens']:>11.1f} "
              f"{row['completion_tokens']:>15.1f} {row['proposer_choices_per_request']:>3}")
    print(f"saved: {1 - after['requests'] / before['requests']:.0%} of the requests, "
          f"{1 - after['prompt_tokens'] / before['prompt_tokens']:.0%} of the prompt tokens")

    window = 10.0
    print(f"\nagainst a server taking {args.server_rpm}/min (over {window:g} s), "
          f"--workers {args.workers}:")
    for limit in (None, args.rpm):
        with OpenAIServer(limit=round(args.server_rpm * window / 60), window=window) as server:
            flags = ["--rpm", f"{limit:g}"] if limit else []
            wall = run(server, args, "--no-batch-n", "--workers", str(args.workers), *flags)
            arrivals = server.counts.arrivals
            rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) * 60
            asked = f"= {rate / limit:.0%} of --rpm" if limit else ""
            print(f"{' '.join(flags) or 'no --rpm':>10}: {server.counts.requests} requests in "
                  f"{wall:.1f} s, {server.counts.rejected} answered 429, arrival rate "
                  f"{rate:.0f}/min {asked}")


if __name__ == "__main__":
    main()
