"""``mopa experiment``: run one of the report's experiments."""

from __future__ import annotations

import argparse

from mopa.experiments import EXPERIMENTS
from mopa.experiments.markdown import results_table
from mopa.experiments.run import run_experiment
from mopa.flags import add_flags
from mopa.programs.config import ProgramChoice
from mopa.runs.settings import DataSettings, MetricSettings, RunSettings, TrackingSettings
from mopa.settings import from_args


def configure(p: argparse.ArgumentParser) -> None:
    p.epilog = ("--agents/--layers default to the experiment's own; the -md systems' proposers "
                "to the --lm at temperatures 0.3 and 1.0.")
    p.add_argument("name", choices=list(EXPERIMENTS), help="the experiment")
    add_flags(p, DataSettings)
    p.add_argument("--report-protocol", action="store_true",
                   help="the report's protocol: 1000 records with most profile items, k=4, "
                   "100 words, cleaned outputs (use with a test split)")
    # Each system sets its preset, roles and RAG agents; None: the experiment's agents/layers.
    add_flags(p, ProgramChoice, exclude=("preset", "roles", "rag_agents"),
              defaults={"agents": None, "layers": None})
    p.add_argument("--agent-counts", help="agents ablation: counts, e.g. 4-10 or 2,4,8")
    p.add_argument("--systems", help="only these systems, comma-separated: a preset (each "
                   "system of it), a label, or a label's slug (its directory under --out)")
    add_flags(p, RunSettings)
    add_flags(p, MetricSettings)
    add_flags(p, TrackingSettings, exclude=("experiment",))
    p.add_argument("--out", default="runs/experiments", help="directory the runs go into: "
                   "OUT/NAME/SYSTEM, with OUT/NAME/results.json (what `mopa results --runs` "
                   "reads)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    settings = (from_args(DataSettings, args), from_args(RunSettings, args),
                from_args(ProgramChoice, args))
    results = run_experiment(
        args.name, *settings, report_protocol=args.report_protocol,
        agent_counts=args.agent_counts, systems=args.systems, out=args.out,
        tracking_settings=from_args(TrackingSettings, args),
        scoring=from_args(MetricSettings, args))
    if "dry_run" not in results:  # a dry run printed its estimate instead
        print(results_table(results))
