"""``mopa data``: inspect a data source (``mopa data stats``)."""

from __future__ import annotations

import argparse

from mopa.commands.output import print_json
from mopa.data import load
from mopa.data_stats import data_stats
from mopa.flags import DefaultsFormatter, add_flags
from mopa.runs.settings import DataSettings


def configure(p: argparse.ArgumentParser) -> None:
    p.description = "inspect a data source: `mopa data stats --data SRC`"
    data_sub = p.add_subparsers(dest="data_command", required=True)
    help = "examples, users, profile sizes, output lengths"
    p = data_sub.add_parser("stats", help=help, description=help,
                            formatter_class=DefaultsFormatter)
    p.set_defaults(func=stats)
    add_flags(p, DataSettings, only=("data",))


def stats(args: argparse.Namespace) -> None:
    print_json(data_stats(load(args.data)))
