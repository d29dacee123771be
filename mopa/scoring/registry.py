"""Metrics as registered parts: a ``Metric`` is a name, how to score a batch of predictions,
and what it needs; every command that scores (run scores, ``mopa evaluate --metrics``, tune
objectives, report plots, experiment tables, MLflow) reads this registry.

A metric is one file: a module in one of ``PACKAGES`` that calls ``register(Metric(...))`` at
import. The registry imports those packages' modules the first time a metric is looked up,
so ``mopa --help`` pays for none of them.

A metric scores predictions *for examples*: ``score(predictions, examples, lm=None)`` returns
one float per prediction. ``examples[i].output`` is the user's real text (the reference),
``examples[i].profile`` their past texts, ``examples[i].input`` the task prompt. A metric that
reads the profile or needs an LM (``lm_role``) says so, so callers can tell a user what it costs
and refuse what cannot run (no reference, no scoring LM: ``require_lms``).

The *default* metrics (``default=True``: the benchmark's official ROUGE-1, ROUGE-L and METEOR,
and ``reader``, the reader-lens score, while it needs no LM) are what every run scores and every
table shows when no metrics are chosen.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mopa.data import Example

# Where metric files live: the benchmark's official scores, and the reader-lens proxies.
PACKAGES = ("mopa.scoring.official", "mopa.scoring.reader")

BatchScore = Callable[..., list[float]]
LM_ROLES = ("scoring", "judge")
# The metric runs are named by ("rag · meteor 0.171") and that tune and compile maximize unless
# told otherwise.
HEADLINE = "meteor"


@dataclass(frozen=True)
class Metric:
    name: str  # what --metrics, --objectives, tables and MLflow call it
    label: str  # what plots and tables show
    score: BatchScore  # (predictions, examples, lm=None) -> one float per prediction
    description: str = ""
    higher_is_better: bool = True
    uses_reference: bool = True  # reads examples[i].output (the user's real text)
    uses_profile: bool = False  # reads examples[i].profile (the user's past texts)
    # The LM it scores with, passed as ``lm=``: None (no LM), "scoring" (log-probabilities of
    # text, e.g. the embedded base model) or "judge" (a capable instruction-following LM;
    # commands pass it as a ``mopa.scoring.judge.Judge``, whose LM is ``judge_lm``, so its
    # calls are counted apart from the system's).
    lm_role: str | None = None
    default: bool = False  # scored and shown when no metrics are chosen

    def __post_init__(self):
        if self.lm_role not in (None, *LM_ROLES):
            raise ValueError(f"metric {self.name!r}: lm_role must be None or one of "
                             f"{', '.join(LM_ROLES)}, got {self.lm_role!r}")

    @property
    def needs_lm(self) -> bool:
        return self.lm_role is not None

    def score_batch(self, predictions: Sequence[str], examples: Sequence[Example],
                    lm: Any = None) -> list[float]:
        predictions, examples = list(predictions), list(examples)
        if len(predictions) != len(examples):
            raise ValueError(f"{self.name}: got {len(predictions)} predictions for "
                             f"{len(examples)} examples; pass one example per prediction")
        if self.needs_lm and lm is None:
            raise ValueError(f"metric {self.name!r} needs a {self.lm_role} LM and none was given")
        values = self.score(predictions, examples, lm=lm) if self.needs_lm else \
            self.score(predictions, examples)
        if len(values) != len(predictions):
            raise RuntimeError(f"metric {self.name!r} returned {len(values)} scores for "
                               f"{len(predictions)} predictions")
        return [float(v) for v in values]

    def score_one(self, prediction: str, example: Example, lm: Any = None) -> float:
        return self.score_batch([prediction], [example], lm=lm)[0]


_REGISTRY: dict[str, Metric] = {}
_loaded = _loading = False
_lock = threading.RLock()


def register(metric: Metric) -> Metric:
    """Add a metric; a second metric under a taken name is refused (one name, one meaning).
    The packages' metrics are loaded first, so they keep their order before any other."""
    with _lock:
        if not _loading:
            _load()
        known = _REGISTRY.get(metric.name)
        if known is not None and known is not metric:
            raise ValueError(f"a metric named {metric.name!r} is already registered "
                             f"({known.description or known.label}); pick another name")
        _REGISTRY[metric.name] = metric
    return metric


def _load() -> None:
    global _loaded, _loading
    with _lock:
        if _loaded or _loading:
            return
        _loading = True
        try:
            _import_packages()
        finally:
            _loading = False
        _loaded = True


def _import_packages() -> None:
    for package_name in PACKAGES:
        try:
            package = importlib.import_module(package_name)
        except ModuleNotFoundError as e:
            if e.name != package_name:
                raise
            continue
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if not info.name.startswith("_"):
                importlib.import_module(f"{package_name}.{info.name}")


def _package_rank(metric: Metric) -> int:
    module = getattr(metric.score, "__module__", None) or ""
    return next((i for i, package in enumerate(PACKAGES) if module.startswith(package + ".")),
                len(PACKAGES))


def metrics() -> dict[str, Metric]:
    """Every registered metric by name: the official ones, then the reader proxies, then any
    other, each in registration order. By package, not only by registration: a metric module
    imported directly registers its metric after the packages it loads first, and the default
    columns must not depend on which module a caller imported first."""
    _load()
    return dict(sorted(_REGISTRY.items(), key=lambda item: _package_rank(item[1])))


def metric_names() -> tuple[str, ...]:
    return tuple(metrics())


def get_metric(name: str) -> Metric:
    known = metrics()
    if name not in known:
        raise ValueError(f"unknown metric {name!r}; expected one of: {', '.join(known)}")
    return known[name]


def default_metrics() -> list[Metric]:
    """The metrics scored when none are chosen, in registration order."""
    return [m for m in metrics().values() if m.default]


def parse_metrics(value: str | Sequence[str] | None) -> list[Metric]:
    """``"meteor,reader"`` -> those metrics, each checked, in the order given; None -> the
    default ones."""
    if value is None:
        return default_metrics()
    names = [n.strip() for n in value.split(",")] if isinstance(value, str) else list(value)
    names = [n for n in names if n]
    if not names:
        raise ValueError(f"expected one or more metric names from: {', '.join(metric_names())}")
    return [get_metric(n) for n in dict.fromkeys(names)]


def metric_keys(scores: Mapping) -> list[str]:
    """The registered metric names among ``scores``' keys, in its order: the metric columns of
    a score row or summary (the others are counts such as ``n`` and ``empty``)."""
    known = metrics()
    return [k for k in scores if k in known]


def require_lms(chosen: Sequence[Metric], lms: Mapping[str, Any], fix: str) -> None:
    """Refuse, before anything runs, a metric whose LM (its ``lm_role``) is not in ``lms``;
    ``fix`` says how to give one, with ``{role}`` for the role (e.g. "pass --{role}-lm SPEC")."""
    for metric in chosen:
        if metric.needs_lm and lms.get(metric.lm_role) is None:
            raise ValueError(f"metric {metric.name!r} scores with a {metric.lm_role} LM and "
                             f"none is configured; {fix.format(role=metric.lm_role)}")


def headline(summary: Mapping) -> str:
    """A summary's score as runs are named by it: ``meteor 0.171`` (the headline metric, or
    the first metric scored when it was not)."""
    names = metric_keys(summary)
    if not names:
        raise ValueError(f"no registered metric among {sorted(summary)}")
    name = HEADLINE if HEADLINE in names else names[0]
    return f"{name} {summary[name]:.3f}"
