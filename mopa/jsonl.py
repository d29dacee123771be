"""Reading JSON-lines files with errors that name the file and the line.

A gzip-compressed file (``data.jsonl.gz``, or any name: it is told by its first two bytes) is
read as the text it holds, since datasets are often shipped compressed.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"


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


def is_gzip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) == GZIP_MAGIC


@contextmanager
def open_bytes(path: Path) -> Iterator[BinaryIO]:
    """The file's bytes, decompressed if it is gzip; a damaged or cut-off gzip file is a
    DataError naming it, not a bare ``BadGzipFile`` or ``EOFError`` from the middle of a read."""
    try:
        with (gzip.open(path, "rb") if is_gzip(path) else path.open("rb")) as f:
            yield f
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise DataError(str(path), None, None,
                        f"is a damaged or incomplete gzip file ({e or type(e).__name__}); "
                        "download or compress it again") from None


def read_bytes(path: str | Path) -> bytes:
    """The whole file's bytes, decompressed if it is gzip."""
    with open_bytes(Path(path)) as f:
        return f.read()


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, object]]:
    """(line number, parsed value) for each non-blank line (of the text a gzip file holds)."""
    path = Path(path)
    with open_bytes(path) as f:
        for lineno, raw in enumerate(f, start=1):
            line = decode_line(raw, str(path), lineno)
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(str(path), lineno, None, f"invalid JSON: {e.msg}") from None


def read_json(path: str | Path) -> object:
    """A whole JSON file (a manifest, a results file; gzip is read too), with errors that name
    it and the line:
    a bare ``Expecting value: line 1 column 1`` does not say which of a command's files is
    torn."""
    path = Path(path)
    check_readable_file(path, "JSON")
    text = "\n".join(decode_line(raw, str(path), lineno)
                     for lineno, raw in enumerate(read_bytes(path).split(b"\n"), start=1))
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise DataError(str(path), e.lineno, None, f"invalid JSON: {e.msg}") from None
