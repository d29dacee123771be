"""mopa.scoring.metrics: the LongLaMP scorer (ROUGE-1/ROUGE-L/METEOR), official settings."""

from __future__ import annotations

import json
import sys

import pytest

from mopa.scoring import metrics
from mopa.scoring.meteor import meteor
from mopa.scoring.metrics import score_one, score_pair, score_pairs

SAMPLE_PAIRS = [
    ("the cat sat", "the cat sat on the mat"),
    ("The CAT, sat!!", "the cat sat"),
    ("Great strings; they sound bright and last long.", "These strings sound great."),
    ("A mat the cat sat on", "the cat sat on the mat"),
    ("caf\u00e9 au lait 2x", "cafe au lait 2 x"),
    ("nothing in common", "entirely different words"),
]


def test_rouge_hand_example():
    row = score_pair("the cat sat", "the cat sat on the mat")
    # unigram P = 3/3, R = 3/6 -> F1 = 2 * 1 * 0.5 / 1.5; the LCS is the same 3 words.
    assert row["rouge1"] == pytest.approx(2 / 3, abs=1e-12)
    assert row["rougeL"] == pytest.approx(2 / 3, abs=1e-12)
    assert row["empty"] is False


def test_rouge_tokenizer_lowercases_and_keeps_only_ascii_alphanumerics():
    assert score_pair("The CAT, sat!!", "the cat sat")["rouge1"] == 1.0
    # "café" -> "caf", "2x" -> "2x": non-[a-z0-9] characters split tokens.
    row = score_pair("caf\u00e9", "caf")
    assert row["rouge1"] == 1.0
    assert score_pair("2x", "2 x")["rouge1"] == 0.0


def test_rouge_is_scored_reference_first():
    # score(target, prediction): precision is over prediction tokens. Swapping the roles
    # keeps F1 symmetric for ROUGE-1, so check the underlying scorer call instead.
    scores = metrics._rouge().score("the cat sat on the mat", "the cat sat")
    assert scores["rouge1"].precision == 1.0 and scores["rouge1"].recall == 0.5


def test_meteor_column_is_official_meteor():
    # METEOR weights recall 9:1 over precision, so a short prediction of a long reference
    # scores lower than the swap: a pair that catches reference and prediction swapped.
    row = score_pair("the cat sat", "The cat sat on the mat")
    official = meteor("The cat sat on the mat", "the cat sat")
    assert row["meteor"] == official == pytest.approx(0.4483, abs=1e-4)
    assert meteor("the cat sat", "The cat sat on the mat") == pytest.approx(0.7744, abs=1e-4)


@pytest.mark.parametrize("empty", ["", "   ", "\n\t"])
def test_empty_prediction_scores_zero_and_is_counted(empty):
    assert score_pair(empty, "the reference") == {
        "rouge1": 0.0,
        "rougeL": 0.0,
        "meteor": 0.0,
        "empty": True,
    }
    rows = score_pairs([empty, "the reference"], ["the reference", "the reference"])
    assert [row["empty"] for row in rows] == [True, False] and rows[1]["rouge1"] == 1.0


def test_input_errors_say_what_was_received():
    with pytest.raises(ValueError, match="2 predictions but 1 references"):
        score_pairs(["a", "b"], ["a"])
    with pytest.raises(TypeError, match=r"predictions\[1\] must be a str, got int"):
        score_pairs(["a", 3], ["a", "b"])
    with pytest.raises(TypeError, match="reference must be a str, got NoneType"):
        score_pair("a", None)
    with pytest.raises(ValueError, match="workers must be a positive int"):
        score_pairs(["a"], ["a"], workers=0)


def test_score_pairs_matches_score_pair_in_order():
    preds = [p for p, _ in SAMPLE_PAIRS] + [""]
    refs = [r for _, r in SAMPLE_PAIRS] + ["x"]
    assert score_pairs(preds, refs, workers=1) == [
        score_pair(p, r) for p, r in zip(preds, refs, strict=True)
    ]


def test_process_pool_gives_the_same_rows():
    preds = [f"{p} {i}" for i in range(10) for p, _ in SAMPLE_PAIRS]
    refs = [r for _ in range(10) for _, r in SAMPLE_PAIRS]
    assert len(preds) >= 2 * metrics._CHUNK  # large enough to really use the pool
    assert score_pairs(preds, refs, workers=2) == score_pairs(preds, refs, workers=1)


def _assert_rouge_score_rs_equals_rouge_score(pairs: list[tuple[str, str]]) -> None:
    from rouge_score import rouge_scorer as py_rouge
    from rouge_score_rs import rouge_scorer as rs_rouge

    types = ["rouge1", "rougeL"]
    fast = rs_rouge.RougeScorer(types, use_stemmer=False)
    slow = py_rouge.RougeScorer(types, use_stemmer=False)
    for prediction, reference in pairs:
        a, b = fast.score(reference, prediction), slow.score(reference, prediction)
        for key in types:
            assert tuple(a[key]) == tuple(b[key]), (key, prediction, reference)


def test_rouge_score_rs_equals_rouge_score():
    _assert_rouge_score_rs_equals_rouge_score(SAMPLE_PAIRS)


def test_rouge_score_rs_equals_rouge_score_on_real_reviews(real_reviews):
    # Long real reviews (the fixture skips, with the path, when the shared data is absent).
    rows = [json.loads(line) for line in real_reviews.read_text(encoding="utf-8").splitlines()]
    pairs = [(p["reviewText"], r["output"]) for r in rows for p in r["profile"][:2]]
    assert len(pairs) > 100
    _assert_rouge_score_rs_equals_rouge_score(pairs)


def test_falls_back_to_rouge_score_when_the_rust_package_is_missing(monkeypatch):
    expected = [score_pair(p, r) for p, r in SAMPLE_PAIRS]
    monkeypatch.setitem(sys.modules, "rouge_score_rs", None)  # import now fails
    monkeypatch.setattr(metrics, "_scorer", None)
    got = [score_pair(p, r) for p, r in SAMPLE_PAIRS]
    assert type(metrics._scorer).__module__ == "rouge_score.rouge_scorer"
    assert got == expected
    monkeypatch.setattr(metrics, "_scorer", None)


def test_score_one_is_score_pair_for_one_metric():
    pred, ref = "the tuner holds its pitch well", "this tuner holds pitch and is bright"
    row = score_pair(pred, ref)
    columns = [key for key in row if key != "empty"]
    assert [score_one(pred, ref, m) for m in columns] == [row[m] for m in columns]
    assert score_one("  ", ref, "meteor") == 0.0
    with pytest.raises(ValueError, match="unknown metric 'bleu'; expected one of: rouge1"):
        score_one(pred, ref, "bleu")
