"""An exact duplicate data record is reported (one warning naming both lines; it is kept, so
a file's runs stay what they were), and a SQLite store in a directory that does not exist is
refused naming the directory instead of creating it."""

from __future__ import annotations

import json
import logging

import pytest

from mopa.cli import main
from tests.conftest import review_record


def test_an_exact_duplicate_record_warns_naming_both_lines(tmp_path, capsys, caplog):
    a, b = review_record("u1"), review_record("u2")
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (a, b, a)))
    with caplog.at_level(logging.WARNING):
        assert main(["data", "stats", "--data", str(path)]) == 0
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [f"{path}: line 3 repeats line 1 exactly; each copy is run and scored "
                      "once per appearance: delete the repeats to count a record once"]
    assert json.loads(capsys.readouterr().out)["examples"] == 3


def test_records_that_only_share_user_and_input_do_not_warn(tmp_path, caplog):
    a = review_record("u1")
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps(a) + "\n" + json.dumps({**a, "output": "Another text."}) + "\n")
    with caplog.at_level(logging.WARNING):
        assert main(["data", "stats", "--data", str(path)]) == 0
    assert not [r for r in caplog.records if "repeats" in r.getMessage()]


@pytest.mark.parametrize("command", ["run", "tune"])
def test_a_sqlite_store_in_a_missing_directory_is_refused(tmp_path, capsys, command):
    missing = tmp_path / "nonexistent" / "dir"
    url = f"sqlite:///{missing}/t.db"
    common = ["--lm", "fake", "--no-progress", "--data", "demo:product_review", "--limit", "1"]
    argv = {"run": ["run", *common, "--program", "rag", "--out", str(tmp_path / "out"),
                    "--tracking-uri", url],
            "tune": ["tune", *common, "--trials", "1", "--out", str(tmp_path / "out"),
                     "--storage", url, "--tracking-uri", f"sqlite:///{tmp_path}/m.db"]}[command]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"the directory {missing} does not exist" in err, err
    assert not (tmp_path / "nonexistent").exists()
