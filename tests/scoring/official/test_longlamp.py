"""mopa.scoring.official.longlamp: the registered LongLaMP metrics give the scorer's numbers."""

from statistics import fmean
from types import SimpleNamespace

from mopa.scoring.metrics import score_pairs
from mopa.scoring.official import longlamp
from mopa.scoring.registry import get_metric

PAIRS = [("the cat sat", "the cat sat on the mat"), ("", "anything at all"),
         ("Great strings; they sound bright.", "These strings sound great."),
         ("   ", "x"), ("nothing in common", "entirely different words")]


def _examples():
    return [SimpleNamespace(output=reference) for _, reference in PAIRS]


def test_each_official_metric_is_its_scorer_column_exactly():
    predictions = [p for p, _ in PAIRS]
    rows = score_pairs(predictions, [r for _, r in PAIRS], workers=1)
    for name in ("rouge1", "rougeL", "meteor"):
        assert get_metric(name).score_batch(predictions, _examples()) == [r[name] for r in rows]
    # Empty predictions score 0 on each and stay in the batch (they count in every mean).
    assert [get_metric("meteor").score_one(p, ex) for p, ex in zip(
        predictions, _examples(), strict=True)][1::2] == [0.0, 0.0]


def test_mean_is_the_per_example_mean_of_the_three():
    predictions = [p for p, _ in PAIRS]
    rows = score_pairs(predictions, [r for _, r in PAIRS], workers=1)
    expected = [fmean((r["rouge1"], r["rougeL"], r["meteor"])) for r in rows]
    assert get_metric("mean").score_batch(predictions, _examples()) == expected
    assert get_metric("mean").higher_is_better and not get_metric("mean").default


def test_a_batch_is_scored_once_for_all_four(monkeypatch):
    calls = []

    def counting(predictions, references):
        calls.append(len(predictions))
        return score_pairs(predictions, references, workers=1)

    monkeypatch.setattr(longlamp, "score_pairs", counting)
    longlamp._rows.cache_clear()
    predictions = [f"{p} once" for p, _ in PAIRS]
    for name in ("rouge1", "rougeL", "meteor", "mean"):
        get_metric(name).score_batch(predictions, _examples())
    assert calls == [len(PAIRS)]
    longlamp._rows.cache_clear()
