"""`mopa evaluate` scores a record's `prediction` as written (a user's edited or foreign
predictions are what is scored), and cleans `raw_prediction` only when `prediction` is
absent; an id given twice is scored once, with a warning."""

from __future__ import annotations

import contextlib
import json
import logging

from mopa.cli import main

DATA = ["--data", "demo:product_review"]


def _run(tmp_path, capsys) -> list[dict]:
    assert main(["run", "--lm", "fake", "--no-progress", "--program", "rag", *DATA, "--limit",
                 "3", "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    return [json.loads(line) for line in (tmp_path / "run" / "predictions.jsonl").open()]


def _evaluate(tmp_path, capsys, records) -> dict:
    path = tmp_path / "edited.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert main(["evaluate", *DATA, "--metrics", "rouge1", "--predictions", str(path)]) == 0
    return json.loads(capsys.readouterr().out)


def test_an_edited_prediction_is_what_is_scored(tmp_path, capsys):
    records = _run(tmp_path, capsys)
    assert _evaluate(tmp_path, capsys, records)["rouge1"] > 0
    edited = [{**r, "prediction": "zzz"} for r in records]  # raw_prediction left as it was
    assert _evaluate(tmp_path, capsys, edited)["rouge1"] == 0


def test_a_raw_prediction_alone_is_cleaned_and_scored(tmp_path, capsys):
    records = _run(tmp_path, capsys)
    raw_only = [{"id": r["id"], "raw_prediction": r["raw_prediction"]} for r in records]
    both = _evaluate(tmp_path, capsys, records)
    assert _evaluate(tmp_path, capsys, raw_only)["rouge1"] == both["rouge1"] > 0


def test_the_help_says_which_field_is_scored(capsys):
    with contextlib.suppress(SystemExit):
        main(["evaluate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "'prediction' is scored as written" in text and "only 'raw_prediction'" in text


def test_an_id_given_twice_warns_and_the_last_line_is_scored(tmp_path, capsys, caplog):
    records = _run(tmp_path, capsys)
    with caplog.at_level(logging.WARNING):
        result = _evaluate(tmp_path, capsys, [*records, {**records[0], "prediction": "zzz"}])
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"edited.jsonl:4: id {records[0]['id']!r} again, after line 1" in w
               for w in warned), warned
    assert result["n"] == 12 and result["missing"] == 9  # the repeated id counted once


def test_a_rerun_rewriting_a_failed_example_does_not_warn(tmp_path, capsys, caplog):
    records = _run(tmp_path, capsys)
    failed = {**records[0], "error": "LMError: x", "prediction": ""}
    with caplog.at_level(logging.WARNING):
        _evaluate(tmp_path, capsys, [failed, *records])
    assert not [r for r in caplog.records if "again" in r.getMessage()]
