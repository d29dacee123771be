"""Predictions files: JSON lines carrying ``id`` and ``prediction`` (or, from another tool, only
a raw output ``raw_prediction``)."""

from __future__ import annotations

import logging
from pathlib import Path

from mopa.jsonl import DataError, check_readable_file, iter_jsonl, read_bytes

log = logging.getLogger(__name__)


def read_predictions(path: str | Path) -> dict[str, dict]:
    """Records by id. A later line for the same id wins: a resumed run rewrites an example that
    failed. An id given again after a line without an error (a run never rewrites one) is a
    file joined or edited by hand: one warning names it, as only its last line is scored."""
    path = Path(path)
    check_readable_file(path, "predictions")
    records: dict[str, dict] = {}
    lines: dict[str, int] = {}
    repeated: list[tuple[str, int, int]] = []
    try:
        for lineno, record in iter_jsonl(path):
            _check(path, lineno, record)
            pid = str(record["id"])
            if pid in records and not records[pid].get("error"):
                repeated.append((pid, lineno, lines[pid]))
            records[pid], lines[pid] = record, lineno
    except DataError as e:
        if "invalid JSON" not in str(e) or not _unfinished_last_line(path, e.line):
            raise
        # A writer killed mid-append leaves its last line without a newline: that example
        # did not finish (the writer drops the fragment when it resumes), so readers that
        # take no lock skip it rather than refuse the whole run.
        log.warning("%s:%s: skipping an unfinished last line (an interrupted write)", path,
                    e.line)
    if repeated:
        pid, line, earlier = repeated[0]
        more = f" (and {len(repeated) - 1} more)" if len(repeated) > 1 else ""
        log.warning("%s:%d: id %r again, after line %d%s; the last line of each id is the one "
                    "used", path, line, pid, earlier, more)
    return records


def _unfinished_last_line(path: Path, lineno: int | None) -> bool:
    data = read_bytes(path)
    return bool(data) and not data.endswith(b"\n") and lineno == data.count(b"\n") + 1


def _check(path: Path, lineno: int, record: object) -> None:
    if not isinstance(record, dict):
        raise DataError(str(path), lineno, None, "expected a JSON object")
    if "id" not in record:
        raise DataError(str(path), lineno, "id", "is missing")
    if "prediction" not in record and "raw_prediction" not in record:
        raise DataError(str(path), lineno, "prediction", "is missing (give the text to score as "
                        "'prediction', or a raw output as 'raw_prediction' to have it cleaned)")
    for name in ("prediction", "raw_prediction"):
        if name in record and not isinstance(record[name], str):
            raise DataError(str(path), lineno, name,
                            f"must be a string, got {type(record[name]).__name__}")
