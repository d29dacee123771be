"""Stopping a run of examples promptly (Ctrl-C, or an error in the loop that saves records).

The examples already handed to worker threads cannot be killed from outside, and each may make
many LM calls (planner, N proposers per layer, an aggregator per layer). A ``StopGate`` is a DSPy
callback that, once closed, makes every LM call that has not started yet raise ``Stopped``: an
example in flight then ends at its next call instead of spending its remaining ones, and only
the calls already sent to the LM are waited for.

``Stopped`` is a ``BaseException`` on purpose: DSPy runs callbacks under ``except Exception``
(it would log and go on), and ``predict_one`` records an ``Exception`` as the example's failure.
A stopped example must be neither: it is simply not finished, and runs again on resume.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from concurrent.futures import wait as wait_for

import dspy
from dspy.utils.callback import BaseCallback

log = logging.getLogger(__name__)


class Stopped(BaseException):  # noqa: N818 (not an error: the run was asked to stop)
    """Raised at the start of an LM call once the run is stopping."""


class StopGate(BaseCallback):
    def __init__(self) -> None:
        self._closed = threading.Event()

    def close(self) -> None:
        self._closed.set()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def on_lm_start(self, call_id, instance, inputs):
        if self._closed.is_set():
            raise Stopped("the run is stopping: this LM call was not sent")


def run_all(calls: list[Callable[[], object]], workers: int, save: Callable[[object], None],
            progress: Callable[[], None] = lambda: None) -> None:
    """Run zero-argument ``calls`` on ``workers`` threads (each in a copy of this context, so
    ``dspy.context`` settings follow it) and ``save`` each result as it finishes.

    On any exception in this thread (Ctrl-C is a ``KeyboardInterrupt`` here, the main thread):
    close the gate, cancel the queued calls, wait only for the LM calls in flight, save the
    results that still finished, and re-raise.
    """
    gate = StopGate()
    # Not ``with ThreadPoolExecutor``: its exit would first run every queued example.
    pool = ThreadPoolExecutor(max_workers=workers)
    futures: list[Future] = []
    saved: set[Future] = set()
    try:
        with dspy.context(callbacks=[*(dspy.settings.get("callbacks") or []), gate]):
            futures = [pool.submit(contextvars.copy_context().run, call) for call in calls]
        for future in as_completed(futures):
            result = future.result()
            # Counted as saved before saving: a Ctrl-C landing inside ``save`` after its write
            # must not save the example again on the way out (a write cut short is dropped on
            # resume, and the example reruns then).
            saved.add(future)
            save(result)
            progress()
    except BaseException:
        gate.close()
        pool.shutdown(wait=False, cancel_futures=True)
        _save_finished([f for f in futures if f not in saved], save)
        raise
    finally:
        pool.shutdown(wait=False)


def _save_finished(futures: Iterable[Future], save: Callable[[object], None]) -> None:
    """Wait for the examples still running (each stops at its next LM call) and save those that
    finished anyway: their calls are paid for. A second Ctrl-C here stops the waiting."""
    running = [f for f in futures if not f.cancelled()]
    wait_for(running)
    for future in running:
        if future.exception() is None:
            try:
                save(future.result())
            except Exception as e:  # the error being raised already says why the run stopped
                log.warning("could not save a finished example while stopping: %s", e)
                return
