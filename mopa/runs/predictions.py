"""Predictions files: JSON lines carrying at least ``id`` and ``prediction``."""

from __future__ import annotations

from pathlib import Path

from mopa.jsonl import DataError, check_readable_file, iter_jsonl


def read_predictions(path: str | Path) -> dict[str, dict]:
    """Records by id. A later line for the same id wins (a resumed run may rewrite one)."""
    path = Path(path)
    check_readable_file(path, "predictions")
    records: dict[str, dict] = {}
    for lineno, record in iter_jsonl(path):
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
