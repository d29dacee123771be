"""Run LM calls concurrently inside a program without ``dspy.Parallel``.

Each task runs in a copy of the caller's ``contextvars`` context, so ``dspy.context(lm=...)``,
usage tracking and MLflow tracing follow the work into the worker threads. A pool lives only
for one program call, which keeps programs picklable and safe under threaded evaluators.

``workers(n)`` is the pool of the call it runs in: a module called inside another's
``workers`` block (a MoPA layer inside MoPA) shares that pool, whose size then bounds every
concurrent call of the example; called alone, it opens its own.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

_OPEN: contextvars.ContextVar[Workers | None] = contextvars.ContextVar("mopa_workers",
                                                                      default=None)


class Workers:
    def __init__(self, max_workers: int):
        self._pool = ThreadPoolExecutor(max_workers=max(1, max_workers))

    def submit(self, fn: Callable[..., Any], *args, **kwargs) -> Future:
        ctx = contextvars.copy_context()
        # A task that opens workers of its own gets a new pool: waiting on this one from
        # inside it could deadlock a full pool.
        ctx.run(_OPEN.set, None)
        return self._pool.submit(ctx.run, fn, *args, **kwargs)

    def map(self, calls: list[Callable[[], Any]]) -> list[Any]:
        """Run zero-argument callables concurrently; results in order, first error re-raised."""
        futures = [self.submit(call) for call in calls]
        return [f.result() for f in futures]

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True)


@contextmanager
def workers(max_workers: int) -> Iterator[Workers]:
    """The pool already open in this call, or a new one of ``max_workers`` for the block."""
    open_pool = _OPEN.get()
    if open_pool is not None:
        yield open_pool
        return
    with Workers(max_workers) as pool:
        token = _OPEN.set(pool)
        try:
            yield pool
        finally:
            _OPEN.reset(token)
