"""A registered metric as DSPy optimizers and ``dspy.Evaluate`` call one: per example."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mopa.scoring.registry import HEADLINE, get_metric


def _prediction_text(pred: Any) -> str:
    text = pred if isinstance(pred, str) else getattr(pred, "output", None)
    # A failed LM call can leave no output: that is an empty prediction.
    if text is None:
        return ""
    if not isinstance(text, str):
        raise TypeError(f"pred.output must be a str, got {type(text).__name__}: {text!r:.80}")
    return text


def make_metric(name: str = HEADLINE) -> Callable[..., float]:
    """A DSPy metric ``metric(example, pred, trace=None) -> float`` for a registered metric.

    Reads the reference from ``example.output`` and the prediction from ``pred.output`` (or
    ``pred`` itself when it is a str). DSPy examples carry a program's inputs, not the user's
    profile, and optimizers run no scoring LM, so metrics that need either are refused.
    """
    metric = get_metric(name)
    if metric.uses_profile or metric.needs_lm:
        needs = "the user's profile" if metric.uses_profile else f"a {metric.lm_role} LM"
        raise ValueError(f"metric {name!r} needs {needs}, which an optimizer's per-example "
                         "metric does not have; optimize another metric")

    # pred_name / pred_trace: GEPA calls metrics with these two extra arguments.
    def score(example: Any, pred: Any, trace: Any = None, pred_name: Any = None,
              pred_trace: Any = None) -> float:
        reference = getattr(example, "output", None)
        if not isinstance(reference, str):
            raise ValueError(
                f"example.output must be the reference text (str), got "
                f"{type(reference).__name__}; build examples with an 'output' field"
            )
        return metric.score_one(_prediction_text(pred), example)

    score.__name__ = f"mopa_{name}"
    return score
