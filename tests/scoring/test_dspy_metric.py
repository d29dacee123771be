"""mopa.scoring.dspy_metric: a registered metric as DSPy optimizers call one."""

from statistics import fmean
from types import SimpleNamespace

import pytest

import tests.toy_metric  # noqa: F401  (registers toy and toy_judge)
from mopa.scoring.dspy_metric import make_metric
from mopa.scoring.metrics import score_pair


def test_make_metric_scores_the_prediction_against_example_output():
    example = SimpleNamespace(output="the cat sat on the mat")
    pred = SimpleNamespace(output="the cat sat")
    row = score_pair("the cat sat", "the cat sat on the mat")
    for name in ("rouge1", "rougeL", "meteor"):
        metric = make_metric(name)
        assert metric(example, pred) == row[name]
        assert metric(example, "the cat sat", trace=None) == row[name]
    assert make_metric("mean")(example, pred) == fmean(row[k] for k in ("rouge1", "rougeL",
                                                                         "meteor"))
    assert make_metric()(example, SimpleNamespace(output=None)) == 0.0  # failed LM call
    assert make_metric("toy")(example, "three words here") == pytest.approx(0.03)


def test_make_metric_errors():
    with pytest.raises(ValueError, match="unknown metric 'bleu'; expected one of: rouge1"):
        make_metric("bleu")
    with pytest.raises(ValueError, match="example.output must be the reference"):
        make_metric("rouge1")(SimpleNamespace(), "text")
    with pytest.raises(ValueError, match="'toy_judge' needs a judge LM, which an optimizer"):
        make_metric("toy_judge")


def test_make_metric_works_with_dspy_objects():
    dspy = pytest.importorskip("dspy")
    example = dspy.Example(input="x", output="the cat sat on the mat").with_inputs("input")
    pred = dspy.Prediction(output="the cat sat")
    assert make_metric("rouge1")(example, pred) == pytest.approx(2 / 3)
