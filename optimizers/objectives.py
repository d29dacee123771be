"""What ``mopa tune`` optimizes: any registered metric (maximized, or minimized when lower is
better) and the per-example costs (minimized), and what each trial's run must score for them."""

from __future__ import annotations

from collections.abc import Sequence

from mopa.costs.prices import model_of_spec, price_of_spec
from mopa.scoring.registry import Metric, get_metric, metric_names, parse_metrics
from mopa.scoring.run_scores import COSTS  # per example, minimized


def parse_objectives(metric: str, objectives: str | list[str] | None) -> list[str]:
    """``objectives`` (e.g. "meteor,lm_calls") wins over ``metric``; each name is checked."""
    names = ([n.strip() for n in objectives.split(",") if n.strip()]
             if isinstance(objectives, str) else list(objectives or [metric]))
    known = metric_names()
    unknown = [n for n in names if n not in known and n not in COSTS]
    if not names or unknown or len(set(names)) != len(names):
        raise ValueError(f"objectives: expected distinct names from the metrics "
                         f"{', '.join(known)} and the per-example costs {', '.join(COSTS)} "
                         f"(minimized), e.g. meteor,lm_calls; got "
                         f"{objectives if objectives else metric!r}")
    return names


def direction(name: str) -> str:
    """Optuna's direction of an objective."""
    if name in COSTS or not get_metric(name).higher_is_better:
        return "minimize"
    return "maximize"


def scored_metrics(names: list[str], chosen: Sequence[Metric] = ()) -> list[Metric]:
    """What a trial's run scores: the default metrics, every objective that is a metric, and
    the ``chosen`` ones (``--metrics``)."""
    scored = parse_metrics(None) + [get_metric(n) for n in names if n not in COSTS] + list(chosen)
    return list({m.name: m for m in scored}.values())


def objective_value(metrics: dict, name: str) -> float:
    if name in COSTS:
        value = metrics["per_example"].get(name)
        if value is None:  # cost_usd of an LM without a known price
            raise ValueError(f"objective {name}: the trial's {name} is unknown (an LM without "
                             "a price in LiteLLM's table); optimize lm_calls or tokens instead")
        return float(value)
    return float(metrics["final"][name])


def require_prices(names: list[str], specs: Sequence[str | None]) -> None:
    """Refuse ``cost_usd`` as an objective when an LM of the study has no known price: its
    trials' dollars would be unknown, and an unknown cost is no number to minimize."""
    if "cost_usd" not in names:
        return
    unknown = sorted({model_of_spec(s) for s in specs if s and price_of_spec(s) is None})
    if unknown:
        raise ValueError(f"objective cost_usd: price unknown for {', '.join(unknown)} (not in "
                         "LiteLLM's table), so the trials' dollars cannot be compared; "
                         "minimize lm_calls or the tokens instead")
