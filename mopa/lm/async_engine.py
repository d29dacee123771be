"""The async counterpart DSPy wants next to a sync engine, for engines with no async API."""

from __future__ import annotations

import asyncio

from dspy.lm15 import Request, Response


class AsyncFromSync:
    """Runs the sync engine's calls in a worker thread; shares its state and call log.

    Subclasses name their sync engine type so ``load_state`` can rebuild the pair.
    """

    sync_type: type

    def __init__(self, sync):
        self.sync = sync

    async def complete(self, request: Request) -> Response:
        return await asyncio.to_thread(self.sync.complete, request)

    async def stream(self, request: Request):
        for event in self.sync.stream(request):
            yield event

    async def aclose(self) -> None:
        close = getattr(self.sync, "close", None)
        if close is not None:
            close()

    def dump_state(self) -> dict:
        return self.sync.dump_state()

    @classmethod
    def load_state(cls, state: dict):
        return cls(cls.sync_type.load_state(state))
