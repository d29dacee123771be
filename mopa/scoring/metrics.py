"""The LongLaMP scorer (ROUGE-1, ROUGE-L, METEOR) with the official settings, offline: the
computation behind the registered official metrics (``mopa.scoring.official``) and the pairwise
similarity of drafts. Which metrics exist is the registry's business, not this module's.

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
from collections.abc import Sequence
from typing import Any

from mopa.scoring import meteor as _meteor

ROUGE_TYPES = ("rouge1", "rougeL")  # the official RougeScorer's types; their F1 is reported

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
            try:  # lazy: the scorer is picked when first built (tests swap it)
                from rouge_score_rs import rouge_scorer
            except ImportError:  # the pure-Python original gives the same numbers
                from rouge_score import rouge_scorer
            _scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=False)
        return _scorer


def _check_text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}: {value!r:.80}")
    return value


def _is_empty(prediction: str) -> bool:
    return not prediction.strip()


def _rouge_row(prediction: str, reference: str) -> dict[str, float]:
    scores = _rouge().score(reference, prediction)
    return {key: scores[key].fmeasure for key in ROUGE_TYPES}


def _zero_row() -> dict[str, float]:
    return {**dict.fromkeys(ROUGE_TYPES, 0.0), "meteor": 0.0, "empty": True}


def score_one(prediction: str, reference: str, metric: str) -> float:
    """One metric of one pair, as ``score_pair`` gives it, computing only that metric (METEOR
    is the costly one: a caller comparing many pairs on ROUGE-L should not pay for it)."""
    if metric not in (*ROUGE_TYPES, "meteor"):
        raise ValueError(f"unknown metric {metric!r}; expected one of: "
                         f"{', '.join(ROUGE_TYPES)}, meteor")
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
