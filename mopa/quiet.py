"""Quiet logs: what is expected is counted and said once per run, not printed per call.

Two sources drown a run's progress bar and result otherwise:
- DSPy warns "LM response was truncated" on every call stopped by max_tokens. Under the length
  policy (a budget from the user's own length, then a trim to whole sentences) that is the
  design working, hundreds of times in an 8-agent experiment. Each one is counted
  (``mopa.tally``) instead, and the run's summary says how many calls hit the budget.
- llama.cpp prints notes when a context is created (``llama_kv_cache_iswa: using full-size SWA
  cache``), dropped here.
``--verbose`` leaves both as they are. Errors and the progress bar are never touched.
"""

from __future__ import annotations

import ctypes
import logging
from types import ModuleType

from mopa.tally import TRUNCATED, note

DSPY_LM_LOGGER = "dspy.clients.lm"
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
_silent = None


def quiet_logs(verbose: bool = False) -> None:
    """Count DSPy's truncation warnings and silence llama.cpp's notes (``verbose``: undo)."""
    global _verbose
    _verbose = verbose
    dspy_lm = logging.getLogger(DSPY_LM_LOGGER)
    if verbose:
        dspy_lm.removeFilter(_FILTER)
    else:
        dspy_lm.addFilter(_FILTER)


def quiet_llama(llama_cpp: ModuleType) -> None:
    """Route llama.cpp's C-side log to a callback that drops it (unless verbose). Its Python
    binding prints a note whenever the note's level passes its logger's, and context notes
    (``llama_kv_cache_iswa: ...``) pass whatever level ``Llama(verbose=False)`` sets. Called by
    the embedded model before it creates a context; the callback lives as long as the process,
    as the C library keeps a pointer to it."""
    global _silent
    if _verbose:
        return
    if _silent is None:
        _silent = llama_cpp.llama_log_callback(lambda level, text, user_data: None)
    llama_cpp.llama_log_set(_silent, ctypes.c_void_p(0))
