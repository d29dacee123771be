"""``--max-cost USD``: a command stops starting examples before its spend would pass a budget.

An example is admitted only while the dollars spent, plus the expected cost of every example
in flight (this one included), stay within the budget; the others are skipped, not failed, so
a rerun runs them. The expected cost of an example is the mean actual cost of the examples the
run finished so far, or, before the first one, the dry-run estimate (``mopa.costs.estimate``).
With one worker the spend therefore stops within one example's cost of the budget.

One budget covers a whole command (``spending_limit``): an experiment's systems and a tune's
trials draw on it one after another, and each run directory it opens adds what its records
already cost (a previous invocation's spending counts, so the same budget does not start over
on a rerun: a higher one goes on where it stopped). A tune stopped by its budget queues the
trial it stopped, so the rerun finishes that trial first. Only examples are gated: the calls a
DSPy optimizer makes inside ``mopa compile`` are its own (its evaluation runs are gated).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

SKIPPED = object()  # what an example refused by the budget returns instead of its record

_active: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("mopa_budget",
                                                                       default=None)


class BudgetReached(RuntimeError):
    """The budget stopped a command; its message says what was spent and how to go on."""


class Budget:
    def __init__(self, limit: float):
        self.limit = limit
        self.spent = 0.0
        self.in_flight = 0.0
        self.skipped = 0
        self.next_cost = 0.0  # what the first example refused was expected to cost
        self._counted: set[Path] = set()
        self._lock = threading.Lock()

    def count_recorded(self, run_dir: Path, records: Iterable[dict]) -> None:
        """Add what a run directory's records already cost, once per directory."""
        with self._lock:
            if run_dir.resolve() in self._counted:
                return
            self._counted.add(run_dir.resolve())
            self.spent += sum(float(r.get("cost_usd") or 0.0) for r in records)

    def admit(self, expected: float) -> bool:
        """Whether an example expected to cost ``expected`` may start now."""
        with self._lock:
            if self.spent + self.in_flight + expected > self.limit:
                if not self.skipped:
                    self.next_cost = expected
                self.skipped += 1
                return False
            self.in_flight += expected
            return True

    def finished(self, expected: float, cost: float | None) -> None:
        with self._lock:
            self.in_flight = max(0.0, self.in_flight - expected)
            self.spent += cost or 0.0

    def message(self) -> str:
        return (f"--max-cost ${self.limit:g} reached: ${self.spent:.4f} spent, {self.skipped} "
                f"examples not started (the next one expected at ${self.next_cost:.4f}; "
                "finished ones are kept); rerun the same command with a higher --max-cost to "
                "go on")


@contextmanager
def spending_limit(limit: float | None) -> Iterator[Budget | None]:
    """The budget of the runs started inside (None: no limit); an enclosing one is kept."""
    if limit is None or _active.get() is not None:
        yield _active.get()
        return
    token = _active.set(Budget(limit))
    try:
        yield _active.get()
    finally:
        _active.reset(token)


def active_budget() -> Budget | None:
    return _active.get()


class Allowance:
    """One run's draw on a budget: the expected cost of its next example is the mean actual
    cost of those it finished, or ``prior`` before the first."""

    def __init__(self, budget: Budget, prior: float):
        self.budget, self.prior = budget, prior
        self._costs: list[float] = []
        self._lock = threading.Lock()

    def expected(self) -> float:
        with self._lock:
            return sum(self._costs) / len(self._costs) if self._costs else self.prior

    def gate(self, call: Callable[[], dict]) -> Callable[[], object]:
        """``call`` run only if the budget admits it (else ``SKIPPED``); its actual cost is
        counted as soon as it returns, in its own thread, so the next example (which may start
        at once on that thread) is judged on it."""
        def gated():
            expected = self.expected()
            if not self.budget.admit(expected):
                return SKIPPED
            try:
                record = call()
            except BaseException:  # stopped (Ctrl-C): not finished, nothing to count
                self.budget.finished(expected, 0.0)
                raise
            with self._lock:
                self._costs.append(float(record.get("cost_usd") or 0.0))
            self.budget.finished(expected, record.get("cost_usd"))
            return record
        return gated

    @staticmethod
    def save(outcome, save: Callable[[dict], None]) -> None:
        """Save a gated call's record (nothing for a skipped one)."""
        if outcome is not SKIPPED:
            save(outcome)
