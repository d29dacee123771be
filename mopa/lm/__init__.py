"""LMs for MoPA: the embedded base model, LiteLLM models, a fake for tests, and one adapter;
``mopa.lm.pool`` holds the LMs of one run.

Importing this package never imports llama_cpp: the embedded model loads on first use, so
the package works without the `embedded` extra.
"""

from mopa.lm.adapter import PlainTextAdapter
from mopa.lm.embedded import LlamaCppEngine, embedded_lm
from mopa.lm.factory import describe_lm, make_lm
from mopa.lm.fake import FakeEngine, fake_lm

__all__ = [
    "FakeEngine",
    "LlamaCppEngine",
    "PlainTextAdapter",
    "describe_lm",
    "embedded_lm",
    "fake_lm",
    "make_lm",
]
