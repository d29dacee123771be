"""Score a predictions file against a data source."""

from __future__ import annotations

from pathlib import Path

from mopa.data import Example
from mopa.metrics import aggregate, score_pairs
from mopa.predictions import read_predictions


def evaluate_predictions(examples: list[Example], predictions_path: str | Path) -> dict:
    """Metrics over the examples that have a prediction; ``missing`` counts those that do not.

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
    scored = [ex for ex in examples if ex.id in predictions]
    if not scored:
        raise ValueError(f"{predictions_path}: no predictions for any example of the data")
    rows = score_pairs([predictions[ex.id]["prediction"] for ex in scored],
                       [ex.output for ex in scored])
    result = aggregate(rows)
    result["missing"] = len(examples) - len(scored)
    return result
