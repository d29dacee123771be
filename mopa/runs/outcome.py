"""A run in which every example failed is an error of the command, not a result.

Each failure is recorded (and retried on resume), so one failed example among many is a
number in ``metrics.json``. But when all failed, the cause is nearly always the setup (an LM
that is unreachable, a wrong model name, a missing key), and exiting 0 with a table of zeros
let scripts and users take it for a result. Commands call ``refuse_all_failed`` after the runs
they make, and ``mopa.cli.main`` turns the error into one line and exit code 2.
"""

from __future__ import annotations

from pathlib import Path

from mopa.runs.store import RunStore


def refuse_all_failed(metrics: dict, out: str | Path, what: str = "the run") -> None:
    """Raise when every example of ``metrics`` (a run's ``metrics.json``) failed, naming the
    directory and the first recorded error."""
    n, failed = metrics.get("n", 0), metrics.get("failed", 0)
    if not n or failed < n:
        return
    errors = [r["error"] for r in RunStore.read(out).values() if r.get("error")]
    first = f"; first error: {errors[0][:300]}" if errors else ""
    raise RuntimeError(f"all {n} examples of {what} failed{first} (records in {out}); fix the "
                       "cause, then rerun the same command to retry them")
