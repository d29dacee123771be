"""``mopa results``: write docs/results.md from experiment outputs."""

from __future__ import annotations

import argparse

from mopa.experiments.results_doc import write_results


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", default="runs/experiments", help="the experiments' directory "
                   "(mopa experiment's --out)")
    p.add_argument("--doc", dest="out", default="docs/results.md", metavar="FILE",
                   help="the Markdown document to write")
    p.add_argument("--notes", help="a Markdown file of context to put before the results")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    print(f"wrote {write_results(args.runs, args.out, args.notes)}")
