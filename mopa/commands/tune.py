"""``mopa tune``: search programs and their run settings with Optuna, tracked in MLflow."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from mopa.flags import add_flags
from mopa.optimizers.search_space import space_from_flags
from mopa.optimizers.settings import (
    SEARCHED_OPTIONS,
    SEARCHED_RUN,
    SpaceFlags,
    StudySettings,
    TuneSettings,
    fixed,
)
from mopa.optimizers.tune import tune
from mopa.programs.config import ProgramOptions
from mopa.runs.settings import DataSettings, MetricSettings, RunSettings, TrackingSettings
from mopa.settings import from_args


def configure(p: argparse.ArgumentParser) -> None:
    p.epilog = ("SpaceFlags narrow the search: LOW-HIGH searches a range, a comma list a pool, "
                "one value fixes the dimension (--temperature 0.7, --aggregators consensus). "
                "--temperature, --k, --max-words, --length-factor, --target-factor and "
                "--stop-similarity mean what they mean in `mopa run`, given as ranges here.")
    add_flags(p, DataSettings, defaults={"limit": 20})
    add_flags(p, StudySettings)
    add_flags(p, TuneSettings)
    add_flags(p, SpaceFlags)
    # What tune searches is a SpaceFlags pool or range; the other options and settings are fixed.
    add_flags(p, ProgramOptions, exclude=SEARCHED_OPTIONS)
    add_flags(p, RunSettings, exclude=SEARCHED_RUN)
    add_flags(p, MetricSettings)
    add_flags(p, TrackingSettings, defaults={"experiment": "mopa-tune"})
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    settings = (from_args(DataSettings, args), from_args(RunSettings, fixed(args)),
                from_args(StudySettings, args), from_args(TuneSettings, args))
    result = tune(*settings, space_from_flags(**asdict(from_args(SpaceFlags, args))),
                  from_args(ProgramOptions, fixed(args)), from_args(TrackingSettings, args),
                  from_args(MetricSettings, args))
    if result.get("dry_run"):  # the estimate is printed; no study was opened
        return
    if not result["trials"].get("COMPLETE"):  # a study of failures is not a result
        reason = result.get("first_fail_reason")
        raise RuntimeError(f"no trial of study {result['study']!r} completed "
                           f"({dict(result['trials'])})"
                           f"{f'; first failure: {reason[:300]}' if reason else ''}; fix the "
                           "cause, then rerun the same command")
