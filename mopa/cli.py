"""The ``mopa`` command line. Each subcommand's flags map one-to-one to a function's keywords."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SRC_HELP = "data source: a .jsonl/.json path, longlamp:<config>[:<split>], or demo:<task>"


def _print_json(obj: dict, out: str | None = None) -> None:
    text = json.dumps(obj, indent=2, sort_keys=False)
    print(text)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n", encoding="utf-8")


def cmd_evaluate(data: str, predictions: str, out: str | None = None,
                 clean: bool = True) -> dict:
    from mopa.data import load
    from mopa.evaluate import evaluate_predictions

    result = evaluate_predictions(load(data), predictions, clean=clean)
    _print_json(result, out)
    return result


def cmd_data_stats(data: str) -> dict:
    from mopa.data import load
    from mopa.stats import data_stats

    result = data_stats(load(data))
    _print_json(result)
    return result


def cmd_run(**kwargs) -> dict:
    from mopa.runner import run

    metrics = run(**kwargs)
    summary = {"out": kwargs["out"], "n": metrics["n"], "failed": metrics["failed"],
               "final": metrics["final"], "copy_latest": metrics["copy_latest"],
               "per_example": metrics["per_example"]}
    _print_json(summary)
    return metrics


def cmd_compile(**kwargs) -> dict:
    from mopa.optimizers.compile import compile_program

    result = compile_program(**kwargs)
    _print_json({k: result[k] for k in ("optimizer", "metric", "train", "val", "selection",
                                        "test", "program_file")})
    if result["test"] is None:
        print("no test split: the 'selection' numbers are on the validation examples; add "
              "--test N or --test-data SRC for numbers on examples no optimizer saw")
    return result


def cmd_experiment(**kwargs) -> dict:
    from mopa.experiments.run import run_experiment
    from mopa.experiments.tables import results_table

    results = run_experiment(**kwargs)
    print(results_table(results))
    return results


def cmd_report(**kwargs) -> dict:
    from mopa.optimizers.report import report

    return report(**kwargs)


def cmd_results(**kwargs) -> None:
    from mopa.experiments.results_doc import write_results

    print(f"wrote {write_results(**kwargs)}")


def add_program_flags(p: argparse.ArgumentParser, program: str = "planner-mopa",
                      agents: int = 4, layers: int = 5) -> None:
    """Flags describing the program and its LMs (shared by run, compile, experiment)."""
    from mopa.programs import PRESETS

    p.add_argument("--program", default=program, choices=PRESETS)
    p.add_argument("--agents", type=int, default=agents, help="proposers per layer (MoPA)")
    p.add_argument("--layers", type=int, default=layers, help="number of layers (MoPA)")
    p.add_argument("--roles", help="comma-separated role per agent slot (content, analysis, "
                   "usefulness, style, free text, or none), cycled")
    p.add_argument("--rag-agents", type=int, help="RAG agents in mopa-ad/custom (rest plan)")
    p.add_argument("--lm", default="embedded",
                   help="default LM: embedded, fake, or a LiteLLM model string")
    p.add_argument("--proposer-lms", help="comma-separated LM specs cycled over proposers "
                   "(the -md presets); spec@T sets a temperature, e.g. embedded@1.0")
    p.add_argument("--planner-lm", help="LM spec of the planner(s)")
    p.add_argument("--aggregator-lm", help="LM spec of the aggregator")
    p.add_argument("--aggregator-temperature", type=float)
    p.add_argument("--api-base", help="OpenAI-compatible server URL; keys come from the "
                   "environment only")
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--max-tokens", type=int, default=256)


def add_data_flags(p: argparse.ArgumentParser) -> None:
    from mopa.data import SELECTIONS

    p.add_argument("--data", required=True, help=SRC_HELP)
    p.add_argument("--limit", type=int, help="use N examples")
    p.add_argument("--selection", default="first", choices=SELECTIONS,
                   help="which N: first, seeded random, or the report's most-profile rule")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--k", type=int, default=4, help="BM25 top-k profile items")
    p.add_argument("--max-words", type=int, default=100, help="cut each item to N words")
    p.add_argument("--no-clean", dest="clean", action="store_false",
                   help="score raw outputs instead of rule-cleaned ones")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mopa",
        description="Mixture of Personalized Agents on LongLaMP: run, evaluate, compile, tune.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("evaluate", help="score a predictions file (ROUGE-1, ROUGE-L, METEOR)")
    p.add_argument("--data", required=True, help=SRC_HELP)
    p.add_argument("--predictions", required=True, help="JSONL with 'id' and 'prediction'")
    p.add_argument("--out", help="also write the metrics JSON here")
    p.add_argument("--no-clean", dest="clean", action="store_false",
                   help="score raw outputs instead of re-cleaning them (as mopa run --no-clean)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("data", help="inspect a data source")
    data_sub = p.add_subparsers(dest="data_command", required=True)
    s = data_sub.add_parser("stats", help="examples, users, profile sizes, output lengths")
    s.add_argument("--data", required=True, help=SRC_HELP)
    s.set_defaults(func=cmd_data_stats)
    p = sub.add_parser("run", help="run a program over a data source (resumable)")
    add_data_flags(p)
    add_program_flags(p)
    p.add_argument("--program-file", help="a compiled program JSON (mopa compile --out)")
    p.add_argument("--workers", type=int, default=1, help="examples run concurrently")
    p.add_argument("--out", default="runs/latest", help="output directory")
    p.add_argument("--no-progress", dest="progress", action="store_false")
    p.set_defaults(func=cmd_run)

    from mopa.optimizers.compile import OPTIMIZERS

    p = sub.add_parser("compile", help="optimize a program's prompts with a DSPy optimizer")
    p.add_argument("--data", required=True, help=SRC_HELP + " (training examples)")
    p.add_argument("--val-data", help="validation source (default: a disjoint part of --data)")
    p.add_argument("--train", type=int, default=8, help="training examples")
    p.add_argument("--val", type=int, default=8, help="validation examples")
    p.add_argument("--test", type=int, help="also score before/after on N seeded random "
                   "examples of --data (or of --test-data) disjoint from train and val")
    p.add_argument("--test-data", help="test source (all of it, or --test N of it); ids in "
                   "train or val are dropped")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--k", type=int, default=4)
    p.add_argument("--max-words", type=int, default=100)
    p.add_argument("--no-clean", dest="clean", action="store_false")
    add_program_flags(p, program="planpers", agents=2, layers=1)
    p.add_argument("--optimizer", default="bootstrap", choices=OPTIMIZERS)
    p.add_argument("--metric", default="meteor", choices=("meteor", "rougeL", "rouge1", "mean"))
    p.add_argument("--prompt-lm", help="LM proposing instructions (mipro, copro)")
    p.add_argument("--reflection-lm", help="LM reflecting on feedback (gepa)")
    p.add_argument("--max-demos", type=int, default=2, help="few-shot demos per predictor")
    p.add_argument("--gepa-calls", type=int, default=60, help="GEPA metric-call budget")
    p.add_argument("--copro-breadth", type=int, default=3)
    p.add_argument("--copro-depth", type=int, default=1)
    p.add_argument("--mipro-auto", default="light", choices=("light", "medium", "heavy"))
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--out", default="program.json", help="where to save the compiled program")
    p.add_argument("--tracking-uri", help="MLflow tracking URI (default: MLflow's own)")
    p.add_argument("--experiment", default="mopa-compile", help="MLflow experiment name")
    p.add_argument("--traces", action="store_true",
                   help="also log the optimizer's runs and DSPy traces (MLflow autolog)")
    p.add_argument("--no-progress", dest="progress", action="store_false")
    p.set_defaults(func=cmd_compile)

    from mopa.optimizers import tune

    p = sub.add_parser("tune", help="search program structures with Optuna, tracked in MLflow")
    tune.add_arguments(p)
    p.set_defaults(func=tune.tune)

    p = sub.add_parser("report", help="best trials of a study with CIs vs rag and "
                       "copy-latest; plots logged to MLflow")
    p.add_argument("--study", default="mopa")
    p.add_argument("--storage", default="sqlite:///optuna.db")
    p.add_argument("--top", type=int, default=5, help="how many best trials")
    p.add_argument("--tracking-uri")
    p.add_argument("--out", default="runs/tune", help="the --out the study's trials used")
    p.add_argument("--test-limit", type=int, help="re-score the top trials on N seeded random "
                   "examples of the trials' --data that no trial used (recorded in the study; "
                   "default: the study's own test selection, if any)")
    p.add_argument("--test-data", help="re-score the top trials on this source (all, or "
                   "--test-limit of it); ids the trials used are dropped")
    p.set_defaults(func=cmd_report)

    from mopa.experiments import EXPERIMENTS

    p = sub.add_parser("experiment", help="run one of the report's experiments: "
                       + ", ".join(EXPERIMENTS))
    p.add_argument("name", choices=list(EXPERIMENTS))
    add_data_flags(p)
    p.add_argument("--report-protocol", action="store_true",
                   help="the report's protocol: 1000 records with most profile items, k=4, "
                   "100 words, cleaned outputs (use with a test split)")
    p.add_argument("--agents", type=int, help="agents per layer (default: the experiment's)")
    p.add_argument("--layers", type=int, help="layers (default: the experiment's)")
    p.add_argument("--agent-counts", help="agents ablation: counts, e.g. 4-10 or 2,4,8")
    p.add_argument("--systems", help="only these systems (presets or labels), comma-separated")
    p.add_argument("--lm", default="embedded")
    p.add_argument("--proposer-lms", help="LMs of the -md proposers (default: the --lm at "
                   "temperatures 0.3 and 1.0)")
    p.add_argument("--planner-lm")
    p.add_argument("--aggregator-lm")
    p.add_argument("--api-base")
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--max-tokens", type=int, default=256)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--out", default="runs/experiments")
    p.add_argument("--tracking-uri")
    p.add_argument("--no-progress", dest="progress", action="store_false")
    p.set_defaults(func=cmd_experiment)

    p = sub.add_parser("results", help="write docs/results.md from experiment outputs")
    p.add_argument("--runs", default="runs/experiments", help="experiments output directory")
    p.add_argument("--out", default="docs/results.md")
    p.add_argument("--notes", help="a Markdown file of context to put before the results")
    p.set_defaults(func=cmd_results)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = vars(parser.parse_args(argv))
    func = args.pop("func")
    for key in ("command", "data_command"):
        args.pop(key, None)
    try:
        func(**args)
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        print(f"mopa: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mopa: interrupted; finished work is saved, rerun the same command to resume",
              file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
