"""SIGTERM stops a command exactly like Ctrl-C.

A scheduler (SLURM, Kubernetes, ``docker stop``, systemd) stops a process with SIGTERM, whose
default action kills it at once: MLflow runs would stay RUNNING, Optuna trials RUNNING until a
later start finds them lost, and nothing would say what happened. While a command runs, SIGTERM
instead raises ``Terminated`` in the main thread. It is a ``KeyboardInterrupt``, so every
cleanup written for Ctrl-C runs for it too (examples in flight stop at their next LM call, the
finished ones are saved, MLflow runs end KILLED, the trial is queued again), and the command
exits ``TERMINATED_EXIT`` as a process killed by SIGTERM would.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

TERMINATED_EXIT = 128 + signal.SIGTERM  # 143: what a shell reports for a SIGTERM'd process
INTERRUPTED_EXIT = 128 + signal.SIGINT  # 130


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated("SIGTERM")


@contextmanager
def sigterm_stops_like_ctrl_c() -> Iterator[None]:
    """Within this block SIGTERM raises ``Terminated``; the previous handler comes back after
    (a process embedding ``mopa.cli.main``, such as a test runner, keeps its own)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (and receives them)
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop_reason(error: BaseException) -> str:
    """What stopped the work, in the words of a stopped trial's retry reason."""
    return "stopped by SIGTERM" if isinstance(error, Terminated) else "stopped by Ctrl-C"
