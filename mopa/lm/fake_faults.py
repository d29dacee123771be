"""Faults for the fake LM: ``fake?latency=0.2&fail_rate=0.2&empty_rate=0.1&seed=0``.

So that reliability can be exercised from the command line (``mopa run --lm 'fake?...'``)
as from tests: a slow model, failing calls and empty replies. Each key is optional:

    latency     seconds slept per call (>= 0)
    fail_rate   chance that a call raises (0..1); the error is not one DSPy retries, so the
                example is recorded as failed, as after a provider's retries ran out
    empty_rate  chance that a call returns an empty reply (0..1)
    seed        an integer: makes the faults reproducible (see ``FaultDraws``)
    price_in    dollars per million prompt tokens (>= 0): a fake that costs, so that cost
                recording and --max-cost can be exercised offline
    price_out   dollars per million completion tokens (>= 0)
    cache       1: DSPy's response cache on, as it is for the embedded and API models, so
                reruns replay the replies that came back (default 0: every call reaches the fake)

Unknown keys and bad values are refused: a typo would otherwise run a fault-free "stress test".
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import Counter
from urllib.parse import parse_qsl

PREFIX = "fake?"
_FLOATS = ("latency", "fail_rate", "empty_rate")
PRICES = ("price_in", "price_out")
KEYS = (*_FLOATS, "seed", "cache", *PRICES)


def parse_fake_spec(spec: str) -> dict:
    """The fault keyword arguments of ``fake_lm`` that ``spec`` (``fake?key=value&...``) sets."""
    query = spec.removeprefix(PREFIX)
    usage = f"; expected e.g. fake?latency=0.2&fail_rate=0.1, with keys {', '.join(KEYS)}"
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise ValueError(f"bad fake LM spec {spec!r}{usage}") from None
    faults: dict = {}
    for key, text in pairs:
        if key not in KEYS:
            raise ValueError(f"bad fake LM spec {spec!r}: unknown key {key!r}{usage}")
        if key in faults:
            raise ValueError(f"bad fake LM spec {spec!r}: {key!r} is given twice")
        faults[key] = _value(spec, key, text)
    if faults.get("fail_rate", 0) + faults.get("empty_rate", 0) > 1:
        raise ValueError(f"bad fake LM spec {spec!r}: fail_rate + empty_rate must be <= 1")
    return faults


def _value(spec: str, key: str, text: str) -> float | int | bool:
    if key == "cache":
        if text not in ("0", "1"):
            raise ValueError(f"bad fake LM spec {spec!r}: cache={text!r}, expected 0 or 1")
        return text == "1"
    kind = int if key == "seed" else float
    try:
        value = kind(text)
    except ValueError:
        value = None
    if key == "seed":
        ok, expected = value is not None, "an integer"
    elif key == "latency":
        ok, expected = value is not None and 0 <= value < float("inf"), "seconds >= 0"
    elif key in PRICES:
        ok, expected = (value is not None and 0 <= value < float("inf"),
                        "dollars per million tokens >= 0")
    else:
        ok, expected = value is not None and 0 <= value <= 1, "a probability from 0 to 1"
    if not ok:
        raise ValueError(f"bad fake LM spec {spec!r}: {key}={text!r}, expected {expected}")
    return value


class FaultDraws:
    """Uniform draws in [0, 1), one per call, that decide the call's fault.

    Without a seed they come from a fresh random stream: every process meets other faults, like
    a flaky server, so rerunning a command retries its failures and eventually finishes. With a
    seed a draw is a hash of (seed, prompt, how many times this process has sent that prompt):
    reproducible whatever order threads make their calls in, and a failed example that is run
    again in the same process (a test calling ``main`` twice) draws anew. A new process with
    the same seed replays the same faults, so a CLI rerun with a seed can keep failing.
    """

    # Process-wide, not per engine: each command builds new LMs, and a rerun must draw anew.
    _sent: Counter = Counter()
    _lock = threading.Lock()

    def __init__(self, seed: int | None = None):
        self.seed = seed
        self._stream = random.Random() if seed is None else None

    def draw(self, prompt: str) -> float:
        with FaultDraws._lock:
            if self._stream is not None:
                return self._stream.random()
            key = (self.seed, prompt)
            nth = FaultDraws._sent[key]
            FaultDraws._sent[key] += 1
        digest = hashlib.sha256(f"{self.seed}\0{nth}\0{prompt}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64
