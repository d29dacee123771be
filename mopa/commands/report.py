"""``mopa report``: a study's best trials with CIs against the baselines."""

from __future__ import annotations

import argparse

from mopa.flags import add_flags
from mopa.optimizers.report import report
from mopa.optimizers.settings import StudySettings
from mopa.runs.settings import MetricSettings, RunSettings, TrackingSettings
from mopa.settings import from_args


def configure(p: argparse.ArgumentParser) -> None:
    add_flags(p, StudySettings)
    add_flags(p, MetricSettings)
    add_flags(p, TrackingSettings, exclude=("experiment",))
    p.add_argument("--top", type=int, default=5, help="how many best trials")
    p.add_argument("--run-missing", action="store_true",
                   help="run the LM runs the tables compare with that are not on disk yet (the "
                   "rag baseline with each trial's run settings; with a test selection, the top "
                   "trials and rag on it), after printing an estimate of the LM calls; without "
                   "it the report reads only finished runs and lists what is missing")
    # The missing runs take the study's run settings; these two say what they may spend.
    add_flags(p, RunSettings, only=("dry_run", "max_cost"))
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    cost = from_args(RunSettings, args)
    report(from_args(StudySettings, args), args.top, from_args(TrackingSettings, args),
           run_missing=args.run_missing, scoring=from_args(MetricSettings, args),
           dry_run=cost.dry_run, max_cost=cost.max_cost)
