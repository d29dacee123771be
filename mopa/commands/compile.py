"""``mopa compile``: optimize a program's prompts with a DSPy optimizer."""

from __future__ import annotations

import argparse
import sys

from mopa import out_dirs
from mopa.commands.output import print_json
from mopa.flags import add_flags
from mopa.optimizers.compile import compile_program
from mopa.optimizers.settings import OptimizerSettings, SplitSettings
from mopa.programs.config import ProgramChoice
from mopa.runs.settings import DataSettings, RunSettings, TrackingSettings
from mopa.settings import from_args


def configure(p: argparse.ArgumentParser) -> None:
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
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    settings = (from_args(DataSettings, args), from_args(SplitSettings, args),
                from_args(RunSettings, args), from_args(ProgramChoice, args),
                from_args(OptimizerSettings, args))
    if args.out is None:  # one file per settings: a compile never overwrites another's
        args.out = str(out_dirs.compile_file(*settings))
        if not settings[2].dry_run:
            print(f"mopa compile: program file {args.out}", file=sys.stderr)
    result = compile_program(*settings, out=args.out, traces=args.traces,
                             tracking_settings=from_args(TrackingSettings, args),
                             register=args.register)
    if result.get("dry_run"):  # the estimate is printed; nothing was compiled
        return
    print_json({k: result[k] for k in ("optimizer", "metric", "train", "val", "selection",
                                       "test", "program_file", "mlflow_run_id", "model_uri",
                                       "registered_model")})
    model = result["registered_model"] or result["run_model_uri"]
    print(f"MLflow run {result['mlflow_run_id']}; run the compiled program with `mopa run "
          f"--model {model}` or load it with mlflow.dspy.load_model({model!r})",
          file=sys.stderr)  # stdout stays one JSON document (plus the test-split note)
    if result["test"] is None:
        print("no test split: the 'selection' numbers are on the validation examples; add "
              "--test N or --test-data SRC for numbers on examples no optimizer saw")
