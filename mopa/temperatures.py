"""The sampling temperatures an LM accepts: 0 to 2.

OpenAI's API, and DSPy's own check of every request (``dspy.lm15``: "temperature must be in
[0, 2]"), refuse any other value at each call, so a run asked for one would fail every example
after writing its run directory, and the corrected rerun into the same ``--out`` would then be
refused as changed. Settings check a temperature when they are built instead.
"""

from __future__ import annotations

LOWEST, HIGHEST = 0.0, 2.0
EXPECTED = "a number from 0 to 2 (0: greedy; LM providers refuse more than 2)"


def valid_temperature(value: float) -> bool:
    return LOWEST <= value <= HIGHEST
