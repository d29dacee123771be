"""The ``mopa`` command line.

The flags come from the settings dataclasses (``mopa.flags``) of mopa/runs/settings.py,
programs/config.py and optimizers/settings.py; each subcommand adds its few own flags by hand,
and its function builds the dataclasses back, which checks every value before anything runs.
Only light modules load at the top, a subcommand's when it runs: ``mopa --help`` pays for no
DSPy, Optuna or MLflow.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from mopa import out_dirs
from mopa.experiments import EXPERIMENTS
from mopa.flags import DefaultsFormatter, Version, add_flags, from_args
from mopa.optimizers.settings import (
    SEARCHED_OPTIONS,
    SEARCHED_RUN,
    OptimizerSettings,
    SpaceFlags,
    SplitSettings,
    StudySettings,
    TuneSettings,
    fixed,
)
from mopa.programs.config import ProgramChoice, ProgramOptions
from mopa.redaction import redact, redact_process_output, refuse_secret_flags
from mopa.runs.settings import DataSettings, MetricSettings, RunSettings, TrackingSettings


def _print_json(obj: dict, out: str | None = None, written: dict | None = None) -> None:
    print(json.dumps(redact(obj), indent=2, sort_keys=False))
    if out:  # ``written`` (default: ``obj``) goes to the file
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(redact(written or obj), indent=2) + "\n", encoding="utf-8")


def cmd_evaluate(args: argparse.Namespace) -> None:
    from mopa.data import load
    from mopa.runs.run_tracking import log_evaluation
    from mopa.scoring.evaluate import evaluate_predictions

    scoring = from_args(MetricSettings, args)
    examples = load(args.data)
    lms, chosen = scoring.lms(), scoring.chosen()  # an LM that cannot be built: before scoring
    result = evaluate_predictions(examples, args.predictions, args.clean, chosen, lms)
    _print_json({k: v for k, v in result.items() if k != "rows"}, args.out, result)
    log_evaluation(from_args(TrackingSettings, args), examples, args.data, args.predictions,
                   result, args.clean)


def cmd_data_stats(args: argparse.Namespace) -> None:
    from mopa.data import load
    from mopa.data_stats import data_stats

    _print_json(data_stats(load(args.data)))


def cmd_run(args: argparse.Namespace) -> None:
    from mopa.runs.outcome import refuse_all_failed
    from mopa.runs.runner import run

    if args.model and args.program_file:
        raise ValueError("--model and --program-file: pass one (both replace --program)")
    data, settings = from_args(DataSettings, args), from_args(RunSettings, args)
    announce = args.out is None
    if announce:  # one directory per settings: a rerun resumes, a change gets its own
        args.out = str(out_dirs.run_dir(data, settings, vars(args).get("model")
                                        or args.program_file or from_args(ProgramChoice, args)))
    program = from_args(ProgramChoice, args)
    metrics = run(data, settings, args.model or args.program_file or program, args.out,
                  from_args(TrackingSettings, args), announce=announce,
                  scoring=from_args(MetricSettings, args))
    _print_json({"out": args.out, **{k: metrics[k] for k in (
        "n", "failed", "final", "copy_latest", "per_example", "judge_usage") if k in metrics}})
    refuse_all_failed(metrics, args.out)


def cmd_compile(args: argparse.Namespace) -> None:
    from mopa.optimizers.compile import compile_program

    settings = (from_args(DataSettings, args), from_args(SplitSettings, args),
                from_args(RunSettings, args), from_args(ProgramChoice, args),
                from_args(OptimizerSettings, args))
    if args.out is None:  # one file per settings: a compile never overwrites another's
        args.out = str(out_dirs.compile_file(*settings))
        print(f"mopa compile: program file {args.out}", file=sys.stderr)
    result = compile_program(*settings, out=args.out, traces=args.traces,
                             tracking_settings=from_args(TrackingSettings, args),
                             register=args.register)
    _print_json({k: result[k] for k in ("optimizer", "metric", "train", "val", "selection",
                                        "test", "program_file", "mlflow_run_id", "model_uri",
                                        "registered_model")})
    model = result["registered_model"] or result["run_model_uri"]
    print(f"MLflow run {result['mlflow_run_id']}; run the compiled program with `mopa run "
          f"--model {model}` or load it with mlflow.dspy.load_model({model!r})",
          file=sys.stderr)  # stdout stays one JSON document (plus the test-split note)
    if result["test"] is None:
        print("no test split: the 'selection' numbers are on the validation examples; add "
              "--test N or --test-data SRC for numbers on examples no optimizer saw")


def cmd_tune(args: argparse.Namespace) -> None:
    from mopa.optimizers.search_space import space_from_flags
    from mopa.optimizers.tune import tune

    settings = (from_args(DataSettings, args), from_args(RunSettings, fixed(args)),
                from_args(StudySettings, args), from_args(TuneSettings, args))
    result = tune(*settings, space_from_flags(**asdict(from_args(SpaceFlags, args))),
                  from_args(ProgramOptions, fixed(args)), from_args(TrackingSettings, args),
                  from_args(MetricSettings, args))
    if not result["trials"].get("COMPLETE"):  # a study of failures is not a result
        reason = result.get("first_fail_reason")
        raise RuntimeError(f"no trial of study {result['study']!r} completed "
                           f"({dict(result['trials'])})"
                           f"{f'; first failure: {reason[:300]}' if reason else ''}; fix the "
                           "cause, then rerun the same command")


def cmd_report(args: argparse.Namespace) -> None:
    from mopa.optimizers.report import report

    report(from_args(StudySettings, args), args.top, from_args(TrackingSettings, args),
           run_missing=args.run_missing, scoring=from_args(MetricSettings, args))


def cmd_experiment(args: argparse.Namespace) -> None:
    from mopa.experiments.markdown import results_table
    from mopa.experiments.run import run_experiment

    settings = (from_args(DataSettings, args), from_args(RunSettings, args),
                from_args(ProgramChoice, args))
    print(results_table(run_experiment(
        args.name, *settings, report_protocol=args.report_protocol,
        agent_counts=args.agent_counts, systems=args.systems, out=args.out,
        tracking_settings=from_args(TrackingSettings, args),
        scoring=from_args(MetricSettings, args))))


def cmd_results(args: argparse.Namespace) -> None:
    from mopa.experiments.results_doc import write_results

    print(f"wrote {write_results(args.runs, args.out, args.notes)}")


def _command(sub, name: str, help: str, func) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help, description=help,
                       formatter_class=DefaultsFormatter)
    p.set_defaults(func=func)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mopa",
        description="Mixture of Personalized Agents on LongLaMP: run, evaluate, compile, tune.",
        epilog="`mopa COMMAND --help` lists a command's flags with their defaults. --out is "
               "always a directory the command writes into; files have their own names "
               "(--program-file, --metrics-file, --doc).",
    )
    parser.add_argument("--version", action=Version)
    sub = parser.add_subparsers(dest="command", required=True)

    p = _command(sub, "evaluate", "score a predictions file on registered metrics", cmd_evaluate)
    add_flags(p, DataSettings, only=("data",))
    add_flags(p, RunSettings, only=("clean",))
    add_flags(p, MetricSettings)
    p.add_argument("--predictions", required=True, help="JSONL with 'id' and 'prediction'")
    p.add_argument("--metrics-file", dest="out", metavar="FILE",
                   help="also write the metrics JSON, with 'rows' (per example its id and "
                   "every metric), to this file")
    add_flags(p, TrackingSettings, defaults={"experiment": "mopa-evaluate"})
    p.epilog = "MLflow: a run is logged only when --tracking-uri is given."

    p = sub.add_parser("data", help="inspect a data source", description="inspect a data "
                       "source: `mopa data stats --data SRC`")
    data_sub = p.add_subparsers(dest="data_command", required=True)
    p = _command(data_sub, "stats", "examples, users, profile sizes, output lengths",
                 cmd_data_stats)
    add_flags(p, DataSettings, only=("data",))

    p = _command(sub, "run", "run a program over a data source (resumable)", cmd_run)
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

    p = _command(sub, "compile", "optimize a program's prompts with a DSPy optimizer",
                 cmd_compile)
    add_flags(p, DataSettings, exclude=("limit", "selection"))
    add_flags(p, SplitSettings)
    add_flags(p, ProgramChoice, defaults={"preset": "planpers", "agents": 2, "layers": 1})
    add_flags(p, OptimizerSettings)
    add_flags(p, RunSettings)
    add_flags(p, TrackingSettings, defaults={"experiment": "mopa-compile"})
    p.add_argument("--program-file", dest="out", metavar="FILE",
                   help="where to write the compiled program JSON, the file `mopa run "
                   "--program-file` reads; its evaluation runs go next to it, in "
                   "<stem>-eval/ (default: runs/compile/<program>-<optimizer>-<hash of the "
                   "settings>/program.json)")
    p.add_argument("--traces", action="store_true",
                   help="also log the optimizer's runs and DSPy traces (MLflow autolog), "
                   "nested under the compile's run")
    p.add_argument("--register", metavar="NAME",
                   help="also register the compiled program in MLflow's Model Registry as "
                   "NAME (a new version each time); run it with --model models:/NAME/VERSION")

    p = _command(sub, "tune", "search programs and their run settings with Optuna, tracked "
                 "in MLflow", cmd_tune)
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

    p = _command(sub, "report", "best trials of a study with CIs vs rag and copy-latest; "
                 "plots logged to MLflow. Reads finished runs only: the baselines and test "
                 "re-runs it needs cost LM calls and run with --run-missing", cmd_report)
    add_flags(p, StudySettings)
    add_flags(p, MetricSettings)
    add_flags(p, TrackingSettings, exclude=("experiment",))
    p.add_argument("--top", type=int, default=5, help="how many best trials")
    p.add_argument("--run-missing", action="store_true",
                   help="run the LM runs the tables compare with that are not on disk yet (the "
                   "rag baseline with each trial's run settings; with a test selection, the top "
                   "trials and rag on it), after printing an estimate of the LM calls; without "
                   "it the report reads only finished runs and lists what is missing")

    p = _command(sub, "experiment", "run one of the report's experiments: "
                 + ", ".join(EXPERIMENTS), cmd_experiment)
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

    p = _command(sub, "results", "write docs/results.md from experiment outputs", cmd_results)
    p.add_argument("--runs", default="runs/experiments", help="the experiments' directory "
                   "(mopa experiment's --out)")
    p.add_argument("--doc", dest="out", default="docs/results.md", metavar="FILE",
                   help="the Markdown document to write")
    p.add_argument("--notes", help="a Markdown file of context to put before the results")
    return parser


def main(argv: list[str] | None = None) -> int:
    redact_process_output()  # log records and uncaught tracebacks, from here on
    args = build_parser().parse_args(argv)
    try:
        refuse_secret_flags(vars(args))  # before a command writes (or logs) any flag
        args.func(args)
    except KeyboardInterrupt:
        print("mopa: interrupted; finished work is saved, rerun the same command to resume",
              file=sys.stderr)
        return 130
    except Exception as e:
        from mopa.errors import user_error

        message = user_error(e)
        if message is None:  # not a user's mistake: a bug, whose traceback is wanted
            raise
        print(f"mopa: error: {redact(message)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
