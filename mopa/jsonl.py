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


def check_readable_file(path: Path, what: str) -> None:
    """Refuse a missing path or a directory up front, in the one-line form of a DataError
    (opening a directory would otherwise surface as a bare IsADirectoryError)."""
    if not path.exists():
        raise FileNotFoundError(f"{what} file {path} does not exist")
    if path.is_dir():
        raise DataError(str(path), None, None, f"is a directory, not a {what} file; pass the "
                        "file's path")


def decode_line(raw: bytes, source: str, lineno: int) -> str:
    """One line as text. Decoding line by line (not the whole file) lets a non-UTF-8 byte be
    reported with its line; a UTF-8 byte-order mark on line 1 is dropped (Windows editors)."""
    try:
        return raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
    except UnicodeDecodeError as e:
        raise DataError(source, lineno, None,
                        f"not UTF-8 text (byte 0x{raw[e.start]:02x} at column {e.start + 1}); "
                        "re-save the file as UTF-8, e.g. iconv -f latin1 -t utf-8") from None


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, object]]:
    """(line number, parsed value) for each non-blank line."""
    path = Path(path)
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, start=1):
            line = decode_line(raw, str(path), lineno)
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(str(path), lineno, None, f"invalid JSON: {e.msg}") from None


def read_json(path: str | Path) -> object:
    """A whole JSON file (a manifest, a results file), with errors that name it and the line:
    a bare ``Expecting value: line 1 column 1`` does not say which of a command's files is
    torn."""
    path = Path(path)
    check_readable_file(path, "JSON")
    text = "\n".join(decode_line(raw, str(path), lineno)
                     for lineno, raw in enumerate(path.read_bytes().split(b"\n"), start=1))
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise DataError(str(path), e.lineno, None, f"invalid JSON: {e.msg}") from None
