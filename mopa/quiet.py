"""Quiet logs: what is expected is counted and said once per run, not printed per call.

Two sources drown a run's progress bar and result otherwise:
- DSPy warns "LM response was truncated" on every call stopped by max_tokens. Under the length
  policy (a budget from the user's own length, then a trim to whole sentences) that is the
  design working, hundreds of times in an 8-agent experiment. Each one is counted
  (``mopa.tally``) instead, and the run's summary says how many calls hit the budget.
- llama.cpp prints notes when a context is created (``llama_kv_cache_iswa: using full-size SWA
  cache``); llama-cpp-python passes them on through its logger, silenced here.
``--verbose`` leaves both as they are. Errors and the progress bar are never touched.
"""

from __future__ import annotations

import logging

from mopa.tally import TRUNCATED, note

DSPY_LM_LOGGER = "dspy.clients.lm"
LLAMA_LOGGER = "llama-cpp-python"
TRUNCATION = "LM response was truncated"


class CountTruncations(logging.Filter):
    """Drops DSPy's truncation warning, counting it on the example's tally."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith(TRUNCATION):
            note(TRUNCATED)
            return False
        return True


_FILTER = CountTruncations()
_verbose = False


def quiet_logs(verbose: bool = False) -> None:
    """Count DSPy's truncation warnings and silence llama.cpp's notes (``verbose``: undo)."""
    global _verbose
    _verbose = verbose
    dspy_lm = logging.getLogger(DSPY_LM_LOGGER)
    if verbose:
        dspy_lm.removeFilter(_FILTER)
    else:
        dspy_lm.addFilter(_FILTER)
    quiet_llama()


def quiet_llama() -> None:
    """llama-cpp-python prints a C-side note when its logger's level is at or below the note's,
    and ``Llama(verbose=False)`` resets that level to ERROR, which still lets context notes
    through: called again after every model load, CRITICAL keeps them off stderr."""
    logging.getLogger(LLAMA_LOGGER).setLevel(logging.DEBUG if _verbose else logging.CRITICAL)
