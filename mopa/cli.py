"""The ``mopa`` command line.

Each command is one module of ``mopa.commands``: its flags (``configure``, from the settings
dataclasses of mopa/runs/settings.py, programs/config.py and optimizers/settings.py, plus its few
own flags) and its function (``main``), which builds the dataclasses back and so checks every
value before anything runs. The top parser knows a command by its name and one-line help
(``COMMANDS``) and imports its module only when that command runs or shows its help:
``mopa --help`` pays for no DSPy, Optuna or MLflow.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from mopa.errors import user_error
from mopa.experiments import EXPERIMENTS
from mopa.flags import DefaultsFormatter, Version
from mopa.quiet import quiet_logs
from mopa.redaction import redact, redact_process_output, refuse_secret_flags
from mopa.signals import INTERRUPTED_EXIT, TERMINATED_EXIT, Terminated, sigterm_stops_like_ctrl_c

# Every command's one-line help, in the order ``mopa --help`` lists them; the command NAME is
# the module mopa.commands.NAME.
COMMANDS: dict[str, str] = {
    "evaluate": "score a predictions file on registered metrics",
    "data": "inspect a data source",
    "run": "run a program over a data source (resumable)",
    "compile": "optimize a program's prompts with a DSPy optimizer",
    "tune": "search programs and their run settings with Optuna, tracked in MLflow",
    "report": "best trials of a study with CIs vs rag and copy-latest; plots logged to MLflow. "
              "Reads finished runs only: the baselines and test re-runs it needs cost LM calls "
              "and run with --run-missing",
    "experiment": "run one of the report's experiments: " + ", ".join(EXPERIMENTS),
    "choose": "choose one MoPA configuration on a selection run, by a fixed rule",
    "results": "write docs/results.md from experiment outputs",
    "blind": "a blind reading of an experiment's outputs: items for a reader, then labels",
}


def build_parser(loaded: Sequence[str] = tuple(COMMANDS)) -> argparse.ArgumentParser:
    """The ``mopa`` parser with the flags of the commands in ``loaded`` (each imports its
    module); any other command is there by name and help only."""
    parser = argparse.ArgumentParser(
        prog="mopa",
        description="Mixture of Personalized Agents on LongLaMP: run, evaluate, compile, tune.",
        epilog="`mopa COMMAND --help` lists a command's flags with their defaults. --out is "
               "always a directory the command writes into; files have their own names "
               "(--program-file, --metrics-file, --doc).",
    )
    parser.add_argument("--version", action=Version)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help in COMMANDS.items():
        p = sub.add_parser(name, help=help, description=help, formatter_class=DefaultsFormatter)
        p.add_argument("--verbose", action="store_true",
                       help="show every expected warning (calls stopped by the token budget) "
                            "and llama.cpp's notes; by default they are counted and said once "
                            "per run")
        if name in loaded:
            importlib.import_module(f"mopa.commands.{name}").configure(p)
    return parser


def _named(argv: Sequence[str]) -> tuple[str, ...]:
    """The command ``argv`` names: its first word that is no option (the top parser's options,
    --help and --version, take no value); none for ``mopa --help``."""
    return tuple(a for a in argv if not a.startswith("-"))[:1]


def main(argv: list[str] | None = None) -> int:
    redact_process_output()  # log records and uncaught tracebacks, from here on
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(_named(argv)).parse_args(argv)
    try:
        with sigterm_stops_like_ctrl_c():  # a scheduler's stop cleans up as Ctrl-C does
            refuse_secret_flags(vars(args))  # before a command writes (or logs) any flag
            quiet_logs(args.verbose)
            args.func(args)
    except KeyboardInterrupt as e:
        terminated = isinstance(e, Terminated)
        print(f"mopa: {'stopped by SIGTERM' if terminated else 'interrupted'}; finished work "
              "is saved, rerun the same command to resume", file=sys.stderr)
        return TERMINATED_EXIT if terminated else INTERRUPTED_EXIT
    except Exception as e:
        message = user_error(e)
        if message is None:  # not a user's mistake: a bug, whose traceback is wanted
            raise
        print(f"mopa: error: {redact(message)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
