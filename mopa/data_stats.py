"""Descriptive statistics of a data source."""

from __future__ import annotations

import statistics

from mopa.data import Example


def _summary(values: list[int]) -> dict:
    if not values:
        return {"min": 0, "median": 0, "mean": 0.0, "max": 0}
    return {
        "min": min(values),
        "median": statistics.median(values),
        "mean": round(statistics.fmean(values), 2),
        "max": max(values),
    }


def data_stats(examples: list[Example]) -> dict:
    return {
        "examples": len(examples),
        "users": len({ex.user_id for ex in examples}),
        "tasks": sorted({ex.task for ex in examples}),
        "profile_items": _summary([len(ex.profile) for ex in examples]),
        "cold_start": sum(1 for ex in examples if not ex.profile),
        "output_words": _summary([len(ex.output.split()) for ex in examples]),
        "input_words": _summary([len(ex.input.split()) for ex in examples]),
    }
