"""Predictions files: JSON lines carrying at least ``id`` and ``prediction``."""

from __future__ import annotations

import json
from pathlib import Path

from mopa.data import DataError


def read_predictions(path: str | Path) -> dict[str, dict]:
    """Records by id. A later line for the same id wins (a resumed run may rewrite one)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"predictions file {path} does not exist")
    records: dict[str, dict] = {}
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(str(path), lineno, None, f"invalid JSON: {e.msg}") from None
            if not isinstance(record, dict):
                raise DataError(str(path), lineno, None, "expected a JSON object")
            for name in ("id", "prediction"):
                if name not in record:
                    raise DataError(str(path), lineno, name, "is missing")
            if not isinstance(record["prediction"], str):
                raise DataError(str(path), lineno, "prediction",
                                f"must be a string, got {type(record['prediction']).__name__}")
            records[str(record["id"])] = record
    return records
