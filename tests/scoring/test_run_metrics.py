"""Every example counts: mopa run and mopa evaluate score a failed or missing one as 0."""

import json

import pytest

from mopa.data import load_file
from mopa.runs.evaluate import evaluate_predictions
from mopa.scoring.cleaning import clean_text
from mopa.scoring.metrics import score_pair
from mopa.scoring.run_scores import run_metrics
from tests.conftest import review_record

RAW = ("Here is the review:\n<b>This capo holds tight</b> and never buzzes.\n\n"
       "Note: I kept it short.")


@pytest.fixture
def examples(write_jsonl):
    return load_file(write_jsonl([review_record(f"user{i}") for i in range(3)]))


def test_run_metrics_counts_a_failed_example_as_zero(examples):
    good = examples[0].output
    records = {examples[0].id: {"raw_prediction": good},
               examples[1].id: {"raw_prediction": "", "error": "RuntimeError: backend down"}}
    metrics = run_metrics(examples, records)  # examples[2] has no record at all
    perfect = score_pair(good, good)
    assert (metrics["n"], metrics["failed"], metrics["final"]["empty"]) == (3, 2, 2)
    for m in ("rouge1", "rougeL", "meteor"):
        assert metrics["final"][m] == pytest.approx(perfect[m] / 3)


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_evaluate_counts_a_missing_prediction_as_zero(examples, tmp_path):
    path = _write(tmp_path / "p.jsonl", [{"id": ex.id, "prediction": ex.output}
                                         for ex in examples[:2]])
    result = evaluate_predictions(examples, path)
    perfect = score_pair(examples[0].output, examples[0].output)
    assert (result["n"], result["missing"], result["empty"]) == (3, 1, 1)
    assert result["meteor"] == pytest.approx(perfect["meteor"] * 2 / 3)


def test_evaluate_cleans_a_raw_output_given_without_a_prediction(examples, tmp_path):
    ref = examples[0].output
    # Only the raw output: cleaned with the current rules. A prediction is scored as written,
    # whatever raw output sits beside it (tests/reliability/test_evaluate_as_written.py).
    records = [{"id": examples[0].id, "raw_prediction": RAW},
               {"id": examples[1].id, "prediction": "other words", "raw_prediction": RAW}]
    path = _write(tmp_path / "p.jsonl", records)
    cleaned = clean_text(RAW)
    assert cleaned == "This capo holds tight and never buzzes."
    result = evaluate_predictions(examples, path)
    expected = (score_pair(cleaned, ref)["meteor"] + score_pair("other words", ref)["meteor"]) / 3
    assert result["meteor"] == pytest.approx(expected)
    raw = evaluate_predictions(examples, path, clean=False)
    assert raw["meteor"] == pytest.approx((score_pair(RAW, ref)["meteor"]
                                           + score_pair("other words", ref)["meteor"]) / 3)
    assert raw["meteor"] < result["meteor"]
