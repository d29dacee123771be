"""Reading JSON-lines files with errors that name the file and the line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path


class DataError(ValueError):
    """Bad input data, with the file, the line and the field it concerns."""

    def __init__(self, source: str, line: int | None, field_name: str | None, problem: str):
        where = source if line is None else f"{source}:{line}"
        what = f" field {field_name!r}" if field_name else ""
        super().__init__(f"{where}:{what} {problem}")
        self.source, self.line, self.field = source, line, field_name


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, object]]:
    """(line number, parsed value) for each non-blank line."""
    path = Path(path)
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(str(path), lineno, None, f"invalid JSON: {e.msg}") from None
