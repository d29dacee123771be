"""A cleaning rule for base models that run on into the next record.

The prompts show past texts as records (``Rating: 5.0. Summary: ...`` / ``Review: ...``); a small
base model that finishes the new text often starts another record on the next line. Everything
from such a line on is not the user's text.
"""

from __future__ import annotations

import re

from mopa.tasks import TASKS

RECORD_LABELS = tuple(sorted({label for task in TASKS.values()
                              for label, _ in task.header_fields}
                             | {task.text_label for task in TASKS.values()}))
_RECORD_LINE = re.compile(r"^\s*(?:\[\d+\]\s*)?(?:" + "|".join(RECORD_LABELS) + r")\s*:")


def cut_at_new_record(text: str) -> str:
    """Cut at the first line, after the first non-blank one, that starts a record header."""
    lines = text.split("\n")
    content = [i for i, line in enumerate(lines) if line.strip()]
    for i in content[1:]:
        if _RECORD_LINE.match(lines[i]):
            return "\n".join(lines[:i])
    return text
