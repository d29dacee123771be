"""``mopa evaluate``: score a predictions file on registered metrics."""

from __future__ import annotations

import argparse

from mopa.commands.output import print_json
from mopa.data import load
from mopa.flags import add_flags
from mopa.runs.evaluate import evaluate_predictions
from mopa.runs.run_tracking import log_evaluation
from mopa.runs.settings import DataSettings, MetricSettings, RunSettings, TrackingSettings
from mopa.settings import from_args


def configure(p: argparse.ArgumentParser) -> None:
    add_flags(p, DataSettings, only=("data",))
    add_flags(p, RunSettings, only=("clean",))
    add_flags(p, MetricSettings)
    p.add_argument("--predictions", required=True,
                   help="JSONL with 'id' and 'prediction'; 'prediction' is scored as written "
                   "(a file you edited is scored as edited); a record with only "
                   "'raw_prediction' has it cleaned with the current rules first (--no-clean: "
                   "scored raw); an id given twice keeps its last line, with a warning")
    p.add_argument("--metrics-file", dest="out", metavar="FILE",
                   help="also write the metrics JSON, with 'rows' (per example its id and "
                   "every metric), to this file")
    add_flags(p, TrackingSettings, defaults={"experiment": "mopa-evaluate"})
    p.epilog = "MLflow: a run is logged only when --tracking-uri is given."
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    scoring = from_args(MetricSettings, args)
    examples = load(args.data)
    lms, chosen = scoring.lms(), scoring.chosen()  # an LM that cannot be built: before scoring
    result = evaluate_predictions(examples, args.predictions, args.clean, chosen, lms)
    print_json({k: v for k, v in result.items() if k != "rows"}, args.out, result)
    log_evaluation(from_args(TrackingSettings, args), examples, args.data, args.predictions,
                   result, args.clean)
