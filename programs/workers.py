"""Run LM calls concurrently inside a program without ``dspy.Parallel``.

Each task runs in a copy of the caller's ``contextvars`` context, so ``dspy.context(lm=...)``,
usage tracking and MLflow tracing follow the work into the worker threads. The pool lives only
for one ``forward()`` call, which keeps programs picklable and safe under threaded evaluators.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class Workers:
    def __init__(self, max_workers: int):
        self._pool = ThreadPoolExecutor(max_workers=max(1, max_workers))

    def submit(self, fn: Callable[..., Any], *args, **kwargs) -> Future:
        ctx = contextvars.copy_context()
        return self._pool.submit(ctx.run, fn, *args, **kwargs)

    def map(self, calls: list[Callable[[], Any]]) -> list[Any]:
        """Run zero-argument callables concurrently; results in order, first error re-raised."""
        futures = [self.submit(call) for call in calls]
        return [f.result() for f in futures]

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True)
