"""LongLaMP metrics (ROUGE-1, ROUGE-L, METEOR) with the official settings, offline.

Equivalent to the official scorer (HF ``evaluate``'s ``rouge`` with defaults and
``meteor``) per example, with one deliberate difference: an empty or whitespace-only
prediction scores 0.0 on every metric and is counted, where the official scorer drops
it (which inflates scores of systems that often produce nothing).

ROUGE: ``RougeScorer(["rouge1", "rougeL"], use_stemmer=False)`` with its default
tokenizer (lowercase, ``[a-z0-9]+`` tokens), scored as ``score(reference, prediction)``
(target first, as ``evaluate`` calls it); the F1 is reported. ``rouge_score_rs`` gives
the same numbers as ``rouge_score`` far faster and is used when installed.
METEOR: see :mod:`mopa.scoring.meteor`.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from statistics import fmean
from typing import Any

from mopa.scoring import meteor as _meteor

# The per-example scores (with the names plots show); "mean" averages them.
SCORE_LABELS = {"rouge1": "ROUGE-1", "rougeL": "ROUGE-L", "meteor": "METEOR"}
SCORE_KEYS = tuple(SCORE_LABELS)
METRICS = (*SCORE_KEYS, "mean")

# Below this many non-empty pairs a worker pool's start-up and its workers' cold word
# caches cost about what they save (measured on 2 cores; see bench/score_speed.py).
POOL_MIN_PAIRS = 200
_CHUNK = 25  # pairs per task: small enough to balance 2 workers, large enough to be cheap

_scorer = None
_scorer_lock = threading.Lock()


def _rouge():
    global _scorer
    with _scorer_lock:
        if _scorer is None:
            try:
                from rouge_score_rs import rouge_scorer
            except ImportError:  # the pure-Python original gives the same numbers
                from rouge_score import rouge_scorer
            _scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=False)
        return _scorer


def _check_text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}: {value!r:.80}")
    return value


def _is_empty(prediction: str) -> bool:
    return not prediction.strip()


def _rouge_row(prediction: str, reference: str) -> dict[str, float]:
    scores = _rouge().score(reference, prediction)
    return {"rouge1": scores["rouge1"].fmeasure, "rougeL": scores["rougeL"].fmeasure}


def _zero_row() -> dict[str, float]:
    return {"rouge1": 0.0, "rougeL": 0.0, "meteor": 0.0, "empty": True}


def score_one(prediction: str, reference: str, metric: str) -> float:
    """One metric of one pair, as ``score_pair`` gives it, computing only that metric (METEOR
    is the costly one: a caller comparing many pairs on ROUGE-L should not pay for it)."""
    if metric not in SCORE_KEYS:
        raise ValueError(f"unknown metric {metric!r}; expected one of: {', '.join(SCORE_KEYS)}")
    _check_text(prediction, "prediction")
    _check_text(reference, "reference")
    if _is_empty(prediction):
        return 0.0
    if metric == "meteor":
        return _meteor.meteor(reference, prediction)
    return _rouge_row(prediction, reference)[metric]


def score_pair(prediction: str, reference: str) -> dict[str, float]:
    """``rouge1``, ``rougeL`` (F1) and ``meteor`` of one prediction, plus ``empty``
    (True when the prediction was empty or whitespace: all three are then 0.0)."""
    _check_text(prediction, "prediction")
    _check_text(reference, "reference")
    if _is_empty(prediction):
        return _zero_row()
    row = _rouge_row(prediction, reference)
    row["meteor"] = _meteor.meteor(reference, prediction)
    row["empty"] = False
    return row


def _meteor_chunk(pairs: list[tuple[str, str]]) -> list[float]:
    return [_meteor.meteor(reference, prediction) for prediction, reference in pairs]


def _cpu_count() -> int:
    # The cores this process may run on (a container can restrict them).
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _fork_is_safe() -> bool:
    """Forked workers inherit the loaded tokenizer, WordNet and word caches, so they
    start at once; but forking a process that runs other threads can deadlock."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _meteor_all(pairs: list[tuple[str, str]], workers: int) -> list[float]:
    # A daemonic process (e.g. a pool worker) may not start children of its own.
    if workers <= 1 or len(pairs) < 2 * _CHUNK or multiprocessing.current_process().daemon:
        return _meteor_chunk(pairs)
    fork = _fork_is_safe()
    if fork:
        _meteor.warm_up()  # load once in the parent; forked workers share it
    context = multiprocessing.get_context("fork" if fork else "spawn")
    chunks = [pairs[i : i + _CHUNK] for i in range(0, len(pairs), _CHUNK)]
    with context.Pool(min(workers, len(chunks))) as pool:
        results = pool.map(_meteor_chunk, chunks, chunksize=1)
    return [value for chunk in results for value in chunk]


def score_pairs(
    predictions: Sequence[str], references: Sequence[str], workers: int | None = None
) -> list[dict[str, float]]:
    """Per-example score_pair rows, in input order.

    ``workers``: processes for METEOR (NLTK's tokenizer dominates and holds the GIL).
    None = all cores when there are at least ``POOL_MIN_PAIRS`` non-empty predictions
    and workers can be forked, else 1 (in-process). Spawned workers (when other threads
    run) re-import NLTK, ~2-3 s each, so they are only used when asked for.
    """
    predictions, references = list(predictions), list(references)
    if len(predictions) != len(references):
        raise ValueError(
            f"got {len(predictions)} predictions but {len(references)} references; "
            "pass one reference per prediction"
        )
    for i, (prediction, reference) in enumerate(zip(predictions, references, strict=True)):
        _check_text(prediction, f"predictions[{i}]")
        _check_text(reference, f"references[{i}]")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive int or None, got {workers!r}")
    todo = [i for i, p in enumerate(predictions) if not _is_empty(p)]
    if workers is None:
        big = len(todo) >= POOL_MIN_PAIRS and _fork_is_safe()
        workers = _cpu_count() if big else 1
    meteors = _meteor_all([(predictions[i], references[i]) for i in todo], workers)
    rows = [_zero_row() for _ in predictions]
    for i, value in zip(todo, meteors, strict=True):
        row = _rouge_row(predictions[i], references[i])
        row["meteor"] = value
        row["empty"] = False
        rows[i] = row
    return rows


def aggregate(rows: Iterable[dict[str, float]]) -> dict[str, float]:
    """Means of ``rouge1``, ``rougeL``, ``meteor`` over rows from score_pair(s), plus
    ``n`` (rows, empty predictions included) and ``empty`` (rows flagged empty)."""
    rows = list(rows)
    if not rows:
        raise ValueError("cannot average zero rows: score at least one prediction")
    out: dict[str, float] = {}
    for key in SCORE_KEYS:
        missing = [i for i, row in enumerate(rows) if key not in row]
        if missing:
            raise ValueError(
                f"rows {missing[:5]} lack {key!r} (keys: {sorted(rows[missing[0]])}); "
                "pass rows returned by score_pair or score_pairs"
            )
        out[key] = fmean(row[key] for row in rows)
    out["n"] = len(rows)
    out["empty"] = sum(1 for row in rows if row.get("empty"))
    return out


def score_corpus(
    predictions: Sequence[str], references: Sequence[str], workers: int | None = None
) -> dict[str, float]:
    """``aggregate(score_pairs(predictions, references))``."""
    return aggregate(score_pairs(predictions, references, workers=workers))


def _prediction_text(pred: Any) -> str:
    text = pred if isinstance(pred, str) else getattr(pred, "output", None)
    # A failed LM call can leave no output: that is an empty prediction (scored 0).
    return "" if text is None else _check_text(text, "pred.output")


def make_metric(name: str = "meteor") -> Callable[..., float]:
    """A DSPy metric ``metric(example, pred, trace=None) -> float`` for one of METRICS.

    Reads the reference from ``example.output`` and the prediction from
    ``pred.output`` (or ``pred`` itself when it is a str); "mean" averages the three.
    """
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; valid names: {', '.join(METRICS)}")

    # pred_name / pred_trace: GEPA calls metrics with these two extra arguments.
    def metric(
        example: Any, pred: Any, trace: Any = None, pred_name: Any = None, pred_trace: Any = None
    ) -> float:
        reference = getattr(example, "output", None)
        if not isinstance(reference, str):
            raise ValueError(
                f"example.output must be the reference text (str), got "
                f"{type(reference).__name__}; build examples with an 'output' field"
            )
        row = score_pair(_prediction_text(pred), reference)
        if name == "mean":
            return fmean(row[key] for key in SCORE_KEYS)
        return row[name]

    metric.__name__ = f"longlamp_{name}"
    return metric
