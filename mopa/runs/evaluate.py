"""Score a predictions file against a data source, the way ``mopa run`` scores its own runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mopa.data import Example
from mopa.runs.predictions import read_predictions
from mopa.scoring.registry import Metric
from mopa.scoring.run_scores import RunScores, aggregate, judge_usage


def evaluate_predictions(examples: list[Example], predictions_path: str | Path,
                         clean: bool = True, metrics: Sequence[Metric] | None = None,
                         lms: Mapping[str, Any] | None = None) -> dict:
    """The mean of each of ``metrics`` (None: the default ones) over every example, and
    ``rows``: per example its ``id``, each metric and ``empty``, so examples can be paired
    across files; ``judge_usage`` when a judge scored. An example without a prediction scores as
    an empty one and is counted in ``missing`` (dropping it would inflate the means, as the
    official scorer does). ``prediction`` is scored as written, so predictions a user edited, or
    made elsewhere, are what is scored (``mopa run``'s raw output beside it is ignored); only a
    record without ``prediction`` has its ``raw_prediction`` cleaned with the current rules
    (``clean=False``: scored raw).

    A prediction whose id is not in the data is an error: it usually means the predictions
    were made on another data source, and silently ignoring it would hide that.
    """
    predictions = read_predictions(predictions_path)
    by_id = {ex.id: ex for ex in examples}
    unknown = [pid for pid in predictions if pid not in by_id]
    if unknown:
        raise ValueError(
            f"{predictions_path}: {len(unknown)} prediction id(s) are not in the data "
            f"(first: {unknown[0]!r}); check that --data is the source the predictions were "
            "made on"
        )
    if not predictions:
        raise ValueError(f"{predictions_path}: no predictions for any example of the data")
    scored = {pid: _as_written(r) for pid, r in predictions.items()}
    rows = RunScores(examples, scored, clean, metrics, lms).final
    result = aggregate(rows)
    result["missing"] = sum(1 for ex in examples if ex.id not in predictions)
    result.update(judge_usage(lms))
    result["rows"] = [{"id": ex.id, **row} for ex, row in zip(examples, rows, strict=True)]
    return result


def _as_written(record: dict) -> dict:
    """The record as ``RunScores`` scores it: by its ``prediction`` when it has one (scoring
    re-cleans ``raw_prediction`` whenever that is present)."""
    if "prediction" in record:
        return {k: v for k, v in record.items() if k != "raw_prediction"}
    return record
