"""``--dry-run``: the estimates of a command's runs as lines of text, per system and in total."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from mopa.costs.estimate import API_SECONDS, API_TOKENS_PER_SECOND, Estimate


def dollars(value: float | None, unknown: Sequence[str] = ()) -> str:
    if value is None:
        return "price unknown for " + ", ".join(unknown)
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:.4f}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "wall time not estimated (the embedded model's speed depends on the machine)"
    if seconds < 90:
        return f"~{seconds:.0f} s"
    if seconds < 5400:
        return f"~{seconds / 60:.0f} min"
    return f"~{seconds / 3600:.1f} h"


def line(e: Estimate) -> str:
    """One system: examples x calls per example by role, tokens, dollars, wall time."""
    name = e.label if e.label == e.structure else f"{e.label} ({e.structure})"
    free = f" ({e.finished} already finished: free)" if e.finished else ""
    if e.note:
        return f"{name}: {e.note}"
    if not e.roles:
        return f"{name}: no LM call{free}"
    roles = ", ".join(f"{role} {n}" for role, n in e.roles.items())
    head = (f"{name}: {e.examples} examples x {e.calls_per_example} LM calls ({roles}) = "
            f"{e.examples * e.calls_per_example:,} calls{free}")
    if not e.examples:
        return head
    return (f"{head}; ~{e.prompt_tokens:,.0f} prompt + ~{e.completion_tokens:,.0f} completion "
            f"tokens; {dollars(e.cost_usd, e.unknown)}; {duration(e.seconds)}")


def total(estimates: Sequence[Estimate]) -> str:
    known = [e.cost_usd for e in estimates if not e.note]
    cost = None if any(c is None for c in known) else sum(c or 0.0 for c in known)
    unknown = sorted({m for e in estimates for m in e.unknown})
    times = [e.seconds for e in estimates if e.examples and e.roles and not e.note]
    seconds = None if any(t is None for t in times) else sum(t or 0.0 for t in times)
    calls = sum(e.examples * e.calls_per_example for e in estimates if not e.note)
    prompt = sum(e.prompt_tokens for e in estimates)
    completion = sum(e.completion_tokens for e in estimates)
    return (f"total: {calls:,} LM calls; ~{prompt:,.0f} prompt + ~{completion:,.0f} completion "
            f"tokens; {dollars(cost, unknown)}; {duration(seconds)}")


def report(estimates: Sequence[Estimate], workers: int, what: str = "run") -> str:
    """The dry run's text: a line per system, the total, and what the numbers assume."""
    return "\n".join([
        f"mopa {what}: dry run: no LM was called and nothing was written",
        *(f"  {line(e)}" for e in estimates),
        total(estimates),
        f"(tokens: the first {min(3, max((e.examples for e in estimates), default=0))} "
        "examples' real prompts, extrapolated; completions at their length budget; dollars: "
        "LiteLLM's bundled prices; wall time at --workers "
        f"{workers}, assuming {API_SECONDS:g} s + {API_TOKENS_PER_SECOND:g} tokens/s per API "
        "call)"])


def print_report(estimates: Sequence[Estimate], workers: int, what: str = "run") -> None:
    print(report(estimates, workers, what), file=sys.stdout, flush=True)
