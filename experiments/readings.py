"""The blind readings section: what readers who saw no system names made of the outputs.

Read from every reading directory under the results' ``--runs`` (one holding ``labels.jsonl``,
written by ``mopa blind labels``): per candidate its mean coherence, fit and rank, and per pair
of systems the reader's wins each way with an exact sign test. ``reading.json`` (written by
``mopa blind items``) says which experiment and systems were read; a reading without one is
listed by its directory only.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from mopa.jsonl import read_json
from mopa.scoring.agreement import LABELS_FILE
from mopa.scoring.blind import READING, read_labels, tally, tally_lines


def readings(runs: str | Path) -> list[Path]:
    """Every reading directory under ``runs``, sorted."""
    return sorted(p.parent for p in Path(runs).rglob(LABELS_FILE))


def readings_section(runs: str | Path) -> str:
    """The section's Markdown ('' when no reading is under ``runs``)."""
    found = readings(runs)
    if not found:
        return ""
    lines = ["## Blind readings — what readers made of the outputs", "",
             "Each reading follows the judgments' protocol: for each example the user's real "
             "text and each system's output, shuffled and labelled, read by a reader who saw "
             "neither the key nor the system names; coherence and fit from 1 (very poor) to 5, "
             "a full ranking, and a guess at the real text. Pairwise: items where the reader "
             "ranked one system above the other, with the two-sided exact sign test; items "
             "where both wrote the same text are left out (the reader's order there is "
             "arbitrary).", ""]
    for reading in found:
        rows = read_labels(reading)
        name = reading.relative_to(runs).as_posix()
        lines += [f"### `{name}` ({len({r['item'] for r in rows})} items)", ""]
        record = reading / READING
        if record.exists():
            made = read_json(record)
            command = [os.path.relpath(a) if os.path.isabs(a) else a for a in made["command"]]
            lines += [f"Items: `{shlex.join(command)}`", ""]
        lines += [*tally_lines(*tally(rows)), ""]
    return "\n".join(lines) + "\n"
