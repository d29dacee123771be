"""mopa.scoring.registry: one registered object per metric, looked up by name."""

import pytest

from mopa.scoring.registry import (
    Metric,
    default_metrics,
    get_metric,
    headline,
    metric_keys,
    metric_names,
    parse_metrics,
    register,
    require_lms,
)


def _lengths(predictions, examples):
    return [float(len(p)) for p in predictions]


def test_the_default_set_is_the_official_three_then_reader_in_order():
    assert [m.name for m in default_metrics()] == ["rouge1", "rougeL", "meteor", "reader"]
    assert [m.label for m in default_metrics()] == ["ROUGE-1", "ROUGE-L", "METEOR", "Reader"]
    assert parse_metrics(None) == default_metrics()
    assert "mean" in metric_names() and not get_metric("mean").default
    # Every run scores the defaults, so none may need an LM a run may not have.
    assert not any(m.needs_lm for m in default_metrics())


def test_the_order_is_by_package_whichever_metric_module_was_imported_first():
    names = metric_names()
    assert names[:4] == ("rouge1", "rougeL", "meteor", "mean")
    assert names.index("reader") > names.index("mean")


def test_parse_metrics_keeps_the_order_given_and_refuses_unknown_names():
    assert [m.name for m in parse_metrics("meteor, mean,meteor")] == ["meteor", "mean"]
    assert parse_metrics(["rougeL"]) == [get_metric("rougeL")]
    with pytest.raises(ValueError, match="unknown metric 'bleu'; expected one of: rouge1, "
                                         "rougeL, meteor, mean"):
        parse_metrics("meteor,bleu")
    with pytest.raises(ValueError, match="expected one or more metric names"):
        parse_metrics(" , ")


def test_a_taken_name_is_refused_and_an_unknown_lm_role_too():
    with pytest.raises(ValueError, match="a metric named 'meteor' is already registered"):
        register(Metric("meteor", "other", _lengths))
    with pytest.raises(ValueError, match="lm_role must be None or one of scoring, judge, got "
                                         "'oracle'"):
        Metric("x", "x", _lengths, lm_role="oracle")


def test_score_batch_checks_lengths_and_the_lm():
    metric = Metric("lengths", "lengths", _lengths)
    assert metric.score_batch(["ab", ""], [None, None]) == [2.0, 0.0]
    with pytest.raises(ValueError, match="got 2 predictions for 1 examples"):
        metric.score_batch(["a", "b"], [None])
    short = Metric("short", "short", lambda predictions, examples: [1.0])
    with pytest.raises(RuntimeError, match="returned 1 scores for 2 predictions"):
        short.score_batch(["a", "b"], [None, None])
    judged = Metric("judged", "judged", lambda p, e, lm: [1.0] * len(p), lm_role="judge")
    with pytest.raises(ValueError, match="needs a judge LM and none was given"):
        judged.score_batch(["a"], [None])
    assert judged.score_batch(["a"], [None], lm=object()) == [1.0]


def test_require_lms_names_the_metric_the_role_and_the_fix():
    judged = Metric("judged", "judged", lambda p, e, lm: [1.0] * len(p), lm_role="judge")
    require_lms([get_metric("meteor")], {}, "unused")
    require_lms([judged], {"judge": object()}, "unused")
    with pytest.raises(ValueError, match="metric 'judged' scores with a judge LM and none is "
                                         "configured; pass --judge-lm SPEC"):
        require_lms([judged], {"judge": None}, "pass --{role}-lm SPEC")


def test_metric_keys_and_headline_read_the_registry():
    summary = {"rouge1": 0.2, "n": 3, "meteor": 0.1712, "empty": 0, "other": 1.0}
    assert metric_keys(summary) == ["rouge1", "meteor"]
    assert headline(summary) == "meteor 0.171"
    assert headline({"rougeL": 0.1234, "n": 1}) == "rougeL 0.123"
    with pytest.raises(ValueError, match="no registered metric among"):
        headline({"n": 1})
