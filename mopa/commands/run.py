"""``mopa run``: run a program over a data source (resumable)."""

from __future__ import annotations

import argparse

from mopa import out_dirs
from mopa.commands.output import print_json
from mopa.flags import add_flags
from mopa.programs.config import ProgramChoice
from mopa.runs.outcome import refuse_all_failed
from mopa.runs.runner import run
from mopa.runs.settings import DataSettings, MetricSettings, RunSettings, TrackingSettings
from mopa.settings import from_args


def configure(p: argparse.ArgumentParser) -> None:
    add_flags(p, DataSettings)
    add_flags(p, ProgramChoice)
    add_flags(p, RunSettings)
    add_flags(p, MetricSettings)
    p.add_argument("--program-file", help="a compiled program JSON (mopa compile's "
                   "--program-file); "
                   "replaces --program and its structure")
    p.add_argument("--model", help="a compiled program logged to MLflow by mopa compile: "
                   "models:/NAME/VERSION (--register NAME) or runs:/RUN_ID/program; replaces "
                   "--program and its structure (a pickle: load only from a store you trust)")
    add_flags(p, TrackingSettings, defaults={"experiment": "mopa-run"})
    p.epilog = ("MLflow: a run is logged only when --tracking-uri is given (--model reads "
                "that store, else MLflow's default).")
    p.add_argument("--out", help="the run's directory (default: runs/run/<program>-<hash "
                   "of the settings that change outputs>, printed: the same command resumes "
                   "there, other settings get their own)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    if args.model and args.program_file:
        raise ValueError("--model and --program-file: pass one (both replace --program)")
    data, settings = from_args(DataSettings, args), from_args(RunSettings, args)
    announce = args.out is None
    if announce:  # one directory per settings: a rerun resumes, a change gets its own
        args.out = str(out_dirs.run_dir(data, settings, vars(args).get("model")
                                        or args.program_file or from_args(ProgramChoice, args)))
    program = from_args(ProgramChoice, args)
    metrics = run(data, settings, args.model or args.program_file or program, args.out,
                  from_args(TrackingSettings, args), announce=announce and not settings.dry_run,
                  scoring=from_args(MetricSettings, args))
    if settings.dry_run:  # the estimate is printed; there is nothing else to say
        return
    print_json({"out": args.out, **{k: metrics[k] for k in (
        "n", "failed", "final", "copy_latest", "per_example", "cost_usd", "judge_usage")
        if k in metrics}})
    refuse_all_failed(metrics, args.out)
