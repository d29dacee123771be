"""Score a predictions file against a data source, the way ``mopa run`` scores its own runs."""

from __future__ import annotations

from pathlib import Path

from mopa.data import Example
from mopa.runs.predictions import read_predictions
from mopa.scoring.metrics import aggregate
from mopa.scoring.run_scores import RunScores


def evaluate_predictions(examples: list[Example], predictions_path: str | Path,
                         clean: bool = True) -> dict:
    """Metrics over every example: one without a prediction scores 0 and is counted in
    ``missing`` (dropping it would inflate the means, as the official scorer does). A record
    that keeps the raw output (``raw_prediction``, as ``mopa run`` writes) is re-cleaned with
    the current rules, so the numbers match ``mopa run``'s; ``clean=False`` scores it raw.

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
    result = aggregate(RunScores(examples, predictions, clean).final)
    result["missing"] = sum(1 for ex in examples if ex.id not in predictions)
    return result
