"""Gzip-compressed data files (``.jsonl.gz``, ``.json.gz``) are read as the text they hold,
and the help says so; a damaged one is one error line naming it."""

from __future__ import annotations

import contextlib
import gzip
import json

from mopa.cli import main
from tests.conftest import review_record

RECORDS = [review_record(f"u{i}") for i in range(3)]


def _stats(capsys, path) -> int:
    assert main(["data", "stats", "--data", str(path)]) == 0
    return json.loads(capsys.readouterr().out)["examples"]


def test_a_jsonl_gz_data_file_is_read(tmp_path, capsys):
    path = tmp_path / "data.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in RECORDS).encode()))
    assert _stats(capsys, path) == 3


def test_a_json_gz_list_is_read(tmp_path, capsys):
    path = tmp_path / "data.json.gz"
    path.write_bytes(gzip.compress(json.dumps(RECORDS).encode()))
    assert _stats(capsys, path) == 3


def test_a_run_reads_gzip_data(tmp_path, capsys):
    path = tmp_path / "data.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in RECORDS).encode()))
    assert main(["run", "--lm", "fake", "--no-progress", "--program", "rag", "--data", str(path),
                 "--out", str(tmp_path / "out")]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 3


def test_a_cut_off_gzip_file_is_one_line_naming_it(tmp_path, capsys):
    path = tmp_path / "cut.jsonl.gz"
    whole = gzip.compress("".join(json.dumps(r) + "\n" for r in RECORDS * 50).encode())
    path.write_bytes(whole[: len(whole) // 2])
    assert main(["data", "stats", "--data", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}: is a damaged or incomplete gzip file" in err


def test_the_data_help_says_gzip_is_read(capsys):
    with contextlib.suppress(SystemExit):
        main(["run", "--help"])
    assert "gzip" in " ".join(capsys.readouterr().out.split())
