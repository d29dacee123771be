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


def cmd_evaluate(data: str, predictions: str, out: str | None = None) -> dict:
    from mopa.data import load
    from mopa.evaluate import evaluate_predictions

    result = evaluate_predictions(load(data), predictions)
    _print_json(result, out)
    return result


def cmd_data_stats(data: str) -> dict:
    from mopa.data import load
    from mopa.stats import data_stats

    result = data_stats(load(data))
    _print_json(result)
    return result


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
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("data", help="inspect a data source")
    data_sub = p.add_subparsers(dest="data_command", required=True)
    s = data_sub.add_parser("stats", help="examples, users, profile sizes, output lengths")
    s.add_argument("--data", required=True, help=SRC_HELP)
    s.set_defaults(func=cmd_data_stats)
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
