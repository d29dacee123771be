import json

import dspy
import pytest

from mopa.cli import main
from mopa.data import load_file
from mopa.lm import PlainTextAdapter, fake_lm
from mopa.programs import ProgramChoice, build_program, make_config
from mopa.runs.runner import run, run_examples
from mopa.runs.settings import DataSettings, RunSettings
from mopa.runs.store import RunStore
from tests.conftest import review_record

FAKE = RunSettings(lm="fake", progress=False)
QUIET = RunSettings(progress=False)


@pytest.fixture
def data(write_jsonl):
    return write_jsonl([review_record(f"user{i}", n_profile=3 + i) for i in range(4)])


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_run_writes_predictions_and_metrics(data, tmp_path):
    out = tmp_path / "run"
    metrics = run(DataSettings(str(data)), FAKE,
                  ProgramChoice("planner-mopa", agents=2, layers=2), out)
    lines = _lines(out / "predictions.jsonl")
    assert len(lines) == 4 and all(r["error"] is None for r in lines)
    first = lines[0]
    assert first["lm_calls"] == 1 + 2 * 2 + 2
    assert len(first["layers"]) == 2 and len(first["layers"][0]["drafts"]) == 2
    assert first["plans"] and first["prediction"]
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["n"] == 4 and saved["failed"] == 0
    assert [layer["layer"] for layer in saved["layers"]] == [1, 2]
    assert saved["layers"][-1]["meteor"] == pytest.approx(saved["final"]["meteor"])
    assert 0 < saved["copy_latest"]["rouge1"] <= 1
    assert saved["per_example"]["lm_calls"] == 7
    assert set(saved["vs_copy_latest"]) == {"rouge1", "rougeL", "meteor", "reader"}
    assert "judge_usage" not in saved  # no judge scored
    assert metrics["final"] == saved["final"]


def test_rerun_resumes_without_recomputing(data, tmp_path):
    out = tmp_path / "run"
    run(DataSettings(str(data)), FAKE, ProgramChoice("rag"), out)
    path = out / "predictions.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:2]) + "\n")  # as if interrupted after two examples
    run(DataSettings(str(data)), FAKE, ProgramChoice("rag"), out)
    again = _lines(path)
    assert len(again) == 4
    assert [r["id"] for r in again[:2]] == [json.loads(x)["id"] for x in lines[:2]]
    run(DataSettings(str(data)), FAKE, ProgramChoice("rag"), out)
    assert len(_lines(path)) == 4  # nothing left to do: nothing appended


def test_a_different_configuration_is_refused(data, tmp_path):
    out = tmp_path / "run"
    run(DataSettings(str(data)), FAKE, ProgramChoice("rag"), out)
    with pytest.raises(ValueError, match="different settings"):
        run(DataSettings(str(data)), FAKE, ProgramChoice("planpers"), out)


def test_failed_examples_are_recorded_counted_and_retried_on_resume(data, tmp_path):
    examples = load_file(data)
    bad_user = examples[1].profile[-1]["reviewText"]

    def responder(prompt):
        if bad_user in prompt:
            raise RuntimeError("backend down")
        return "a review"

    store = RunStore(tmp_path / "run", {"test": 1})
    program = build_program(make_config("rag"))
    with store, dspy.context(lm=fake_lm(responder), adapter=PlainTextAdapter()):
        run_examples(program, examples, store, QUIET)
    records = store.records()
    assert len(records) == 4
    assert "backend down" in records[examples[1].id]["error"]
    assert records[examples[1].id]["prediction"] == ""
    assert examples[1].id not in store.finished_ids()

    with RunStore(tmp_path / "run", {"test": 1}) as resumed, \
            dspy.context(lm=fake_lm(lambda p: "now fine"), adapter=PlainTextAdapter()):
        assert run_examples(program, examples, resumed, QUIET) == 1
    assert resumed.records()[examples[1].id]["prediction"] == "now fine"


@pytest.mark.parametrize("num_retries", [0, 1])
def test_a_transient_lm_error_is_retried_by_the_lm_and_recorded_only_if_it_persists(
        data, tmp_path, num_retries):
    example = load_file(data)[0]
    lm = fake_lm(lambda p: "a review", fail_first=1, num_retries=num_retries)
    # Without the length policy's resample of short texts, which would add calls of its own.
    with RunStore(tmp_path / "run", {"test": 1}) as store, \
            dspy.context(lm=lm, adapter=PlainTextAdapter()):
        run_examples(build_program(make_config("rag", min_length=None)), [example], store,
                     QUIET)
    record = store.records()[example.id]
    if num_retries:
        assert record["error"] is None and record["prediction"] == "a review"
    else:  # the cause, with its type
        assert record["error"].startswith("LMServerError: ") and "simulated" in record["error"]
    assert len(lm.engine.calls) == 1 + num_retries and record["lm_calls"] == 1


def test_copy_latest_needs_no_lm(data, tmp_path):
    # A well-formed spec of a model nobody serves: copy-latest never calls it. (A malformed
    # --lm is refused before anything is written, whatever the program: tests/reliability.)
    metrics = run(DataSettings(str(data)),
                  RunSettings(lm="openai/no-such-model", progress=False),
                  ProgramChoice("copy-latest"), tmp_path / "c")
    assert metrics["final"] == metrics["copy_latest"]
    assert metrics["per_example"]["lm_calls"] == 0


def test_cli_run_and_evaluate(data, tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["run", "--data", str(data), "--program", "rag-mopa", "--agents", "2",
                 "--layers", "1", "--lm", "fake", "--out", str(out), "--limit", "3",
                 "--no-progress"]) == 0
    assert len(_lines(out / "predictions.jsonl")) == 3
    capsys.readouterr()
    assert main(["evaluate", "--data", str(data), "--predictions",
                 str(out / "predictions.jsonl"), "--metrics-file", str(tmp_path / "m.json")]) == 0
    printed = json.loads(capsys.readouterr().out)
    # The example the run did not reach counts as an empty prediction, as in `mopa run`.
    assert printed["n"] == 4 and printed["missing"] == 1 and printed["empty"] == 1
    written = json.loads((tmp_path / "m.json").read_text())
    assert {k: v for k, v in written.items() if k != "rows"} == printed  # the file adds rows
    assert len(written["rows"]) == 4


def test_cli_reports_bad_input_without_traceback(write_jsonl, tmp_path, capsys):
    bad = write_jsonl(['{"reviewerId": "x", "input": 1, "output": "o", "profile": []}'])
    assert main(["data", "stats", "--data", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:1:" in err and "'input'" in err


def test_an_interrupted_write_does_not_block_resume(data, tmp_path):
    out = tmp_path / "run"
    run(DataSettings(str(data)), FAKE, ProgramChoice("rag"), out)
    path = out / "predictions.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:2]) + "\n" + lines[2][:25])  # crash mid-append
    run(DataSettings(str(data)), FAKE, ProgramChoice("rag"), out)
    records = [json.loads(x) for x in path.read_text().splitlines()]
    assert len(records) == 4  # the fragment is gone; the two unfinished examples ran again
    assert [r["id"] for r in records[:2]] == [json.loads(x)["id"] for x in lines[:2]]
    assert {r["id"] for r in records[2:]} == {json.loads(x)["id"] for x in lines[2:]}


def test_copy_latest_program_equals_the_copy_latest_baseline_exactly(write_jsonl, tmp_path):
    record = review_record("html", n_profile=2)
    record["profile"][-1]["reviewText"] = "Loud &amp; <b>clear</b>. Loud &amp; <b>clear</b>."
    metrics = run(DataSettings(str(write_jsonl([record, review_record("plain")]))), QUIET,
                  ProgramChoice("copy-latest"), tmp_path / "c")
    assert metrics["final"] == metrics["copy_latest"]
    assert metrics["vs_copy_latest"]["meteor"]["estimate"] == 0.0
