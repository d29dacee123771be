"""Predictions files: JSON lines carrying at least ``id`` and ``prediction``."""

from __future__ import annotations

import logging
from pathlib import Path

from mopa.jsonl import DataError, check_readable_file, iter_jsonl, read_bytes

log = logging.getLogger(__name__)


def read_predictions(path: str | Path) -> dict[str, dict]:
    """Records by id. A later line for the same id wins (a resumed run may rewrite one)."""
    path = Path(path)
    check_readable_file(path, "predictions")
    records: dict[str, dict] = {}
    try:
        for lineno, record in iter_jsonl(path):
            _check(path, lineno, record)
            records[str(record["id"])] = record
    except DataError as e:
        if "invalid JSON" not in str(e) or not _unfinished_last_line(path, e.line):
            raise
        # A writer killed mid-append leaves its last line without a newline: that example
        # did not finish (the writer drops the fragment when it resumes), so readers that
        # take no lock skip it rather than refuse the whole run.
        log.warning("%s:%s: skipping an unfinished last line (an interrupted write)", path,
                    e.line)
    return records


def _unfinished_last_line(path: Path, lineno: int | None) -> bool:
    data = read_bytes(path)
    return bool(data) and not data.endswith(b"\n") and lineno == data.count(b"\n") + 1


def _check(path: Path, lineno: int, record: object) -> None:
    if not isinstance(record, dict):
        raise DataError(str(path), lineno, None, "expected a JSON object")
    for name in ("id", "prediction"):
        if name not in record:
            raise DataError(str(path), lineno, name, "is missing")
    if not isinstance(record["prediction"], str):
        raise DataError(str(path), lineno, "prediction",
                        f"must be a string, got {type(record['prediction']).__name__}")
