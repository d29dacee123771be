"""``mopa evaluate --metrics``: any registered metric, per example rows, LMs for the metrics
that need one."""

import json

import pytest

import tests.toy_metric  # noqa: F401  (registers toy and toy_judge)
from mopa.cli import main
from mopa.data import load_file
from mopa.scoring.metrics import score_pair
from mopa.scoring.registry import get_metric
from tests.conftest import review_record
from tests.toy_metric import words

TEXTS = ["a short one", "This capo holds tight and never buzzes at all, really", ""]


@pytest.fixture
def files(write_jsonl, tmp_path):
    data = write_jsonl([review_record(f"user{i}") for i in range(4)])
    examples = load_file(data)
    predictions = tmp_path / "p.jsonl"  # the last example has no prediction
    predictions.write_text("".join(json.dumps({"id": ex.id, "prediction": text}) + "\n"
                                   for ex, text in zip(examples[:3], TEXTS, strict=True)),
                           encoding="utf-8")
    return data, predictions, examples


def _evaluate(capsys, data, predictions, *flags):
    code = main(["evaluate", "--data", str(data), "--predictions", str(predictions), *flags])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def test_a_registered_metric_is_evaluated_with_rows_per_example(files, capsys, tmp_path):
    data, predictions, examples = files
    out = tmp_path / "m.json"
    code, printed, _ = _evaluate(capsys, data, predictions, "--metrics", "toy",
                                 "--metrics-file", str(out))
    assert code == 0
    expected = [words(t) for t in TEXTS] + [0.0]  # missing: scored as an empty prediction
    assert printed["toy"] == pytest.approx(sum(expected) / 4)
    assert "meteor" not in printed and "rows" not in printed  # stdout stays a summary
    assert (printed["n"], printed["missing"], printed["empty"]) == (4, 1, 2)
    written = json.loads(out.read_text())
    assert {k: v for k, v in written.items() if k != "rows"} == printed
    texts = [*TEXTS, ""]
    assert written["rows"] == [{"id": ex.id, "toy": value, "empty": not text.strip()}
                               for ex, text, value in zip(examples, texts, expected, strict=True)]


def test_the_default_metrics_are_the_official_three_and_reader_and_rows_pair_across_files(
        files, capsys, tmp_path):
    data, predictions, examples = files
    out = tmp_path / "m.json"
    _, printed, _ = _evaluate(capsys, data, predictions, "--metrics-file", str(out))
    assert [k for k in printed if k not in ("n", "empty", "missing")] == [
        "rouge1", "rougeL", "meteor", "reader"]
    assert "judge_usage" not in printed  # no judge scored
    row = json.loads(out.read_text())["rows"][1]
    reader = get_metric("reader").score_one(TEXTS[1], examples[1])
    assert row == {"id": examples[1].id, **score_pair(TEXTS[1], examples[1].output),
                   "reader": pytest.approx(reader), "empty": False}


def test_a_metric_needing_an_lm_is_refused_without_one_and_gets_the_one_given(files, capsys):
    data, predictions, _ = files
    code, _, err = _evaluate(capsys, data, predictions, "--metrics", "meteor,toy_judge")
    assert code == 2
    assert err.strip().splitlines() == [
        "mopa: error: metric 'toy_judge' scores with a judge LM and none is configured; pass "
        "--judge-lm SPEC"]
    code, printed, _ = _evaluate(capsys, data, predictions, "--metrics", "toy_judge",
                                 "--judge-lm", "fake")
    assert code == 0 and printed["toy_judge"] == 1.0


def test_an_unknown_metric_lists_the_registered_ones(files, capsys):
    data, predictions, _ = files
    code, _, err = _evaluate(capsys, data, predictions, "--metrics", "bleu")
    assert code == 2 and "unknown metric 'bleu'; expected one of: rouge1, rougeL, meteor" in err


def test_a_judged_evaluation_reports_the_judges_usage(files, capsys, tmp_path):
    data, predictions, _ = files
    out = tmp_path / "m.json"
    code, printed, _ = _evaluate(capsys, data, predictions, "--metrics", "judge",
                                 "--judge-lm", "fake", "--metrics-file", str(out))
    assert code == 0 and 0 <= printed["judge"] <= 1
    # Four examples rated once each (the missing one as an empty text).
    assert printed["judge_usage"]["judgments"] == 4 and printed["judge_usage"]["lm_calls"] >= 4
    assert json.loads(out.read_text())["judge_usage"] == printed["judge_usage"]
    code, _, err = _evaluate(capsys, data, predictions, "--metrics", "judge", "--judge-lm",
                             "embedded")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "base model cannot follow a rubric" in err
