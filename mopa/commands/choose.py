"""``mopa choose``: one MoPA configuration chosen on a selection run, by a fixed rule."""

from __future__ import annotations

import argparse

from mopa.experiments.choose import CHOICE_FILE, choose, describe
from mopa.experiments.claims import METRICS


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", metavar="DIR", help="a systems or aggregators experiment's "
                   "directory (or its results.json), run on a selection half")
    p.add_argument("--on", default=",".join(METRICS), metavar="METRICS",
                   help="the metrics every gain must hold on (comma-separated)")
    p.add_argument("--readers", metavar="READING", help="a blind reading of this run (mopa "
                   "blind): the readers' ranks count as one more metric, and only systems "
                   "they read can be chosen")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    metrics = tuple(m.strip() for m in args.on.split(",") if m.strip())
    choice = choose(args.results, metrics, args.readers)
    print("\n".join(describe(choice)))
    print(f"\nchosen: {choice['chosen']} (written to {CHOICE_FILE} beside the results); "
          f"confirm it on the test half: mopa experiment systems --selection test-half "
          f"--systems '{choice['baseline']},{choice['chosen']}' ...")
