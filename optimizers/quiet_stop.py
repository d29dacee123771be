"""Ctrl-C (or SIGTERM) in a trial without Optuna's traceback.

Optuna catches the ``KeyboardInterrupt`` of a trial, marks it FAIL and logs it as a failure
with its ~20-line traceback, then "Trial N failed with value None.", then re-raises it; ``mopa``
then prints its one line saying the work is saved. A stop asked for is no failure: while
``quiet_stops`` is in effect those two records of a stopped trial are dropped (every other
failure keeps its traceback).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

# The logger of optuna.study._optimize, which logs a trial's failure.
OPTIMIZE_LOGGER = "optuna.study._optimize"


class StoppedTrialFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._stopped: set[str] = set()  # "Trial N " of each stopped trial

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and isinstance(record.exc_info[1], KeyboardInterrupt):
            self._stopped.add(" ".join(message.split()[:2]) + " ")
            return False
        return not any(message.startswith(f"{trial}failed with value")
                       for trial in self._stopped)


@contextmanager
def quiet_stops() -> Iterator[None]:
    logger = logging.getLogger(OPTIMIZE_LOGGER)
    stopped = StoppedTrialFilter()
    logger.addFilter(stopped)
    try:
        yield
    finally:
        logger.removeFilter(stopped)
