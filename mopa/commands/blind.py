"""``mopa blind``: a blind reading of an experiment's outputs (the judgments' PROTOCOL.md).

    mopa blind items DIR --read a,b --items 24 --out READING   # READING/items.md, key.json
    (a reader who sees only items.md writes READING/verdicts.json)
    mopa blind labels READING         # READING/labels.jsonl, and the tally per system

``labels.jsonl`` is what ``bench/reader_agreement.py --labels`` measures metrics against.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mopa.atomic import write_text_atomic
from mopa.experiments.spec import slugify
from mopa.jsonl import read_json
from mopa.runs.settings import DataSettings
from mopa.runs.store import RunStore
from mopa.scoring.agreement import LABELS_FILE
from mopa.scoring.blind import (
    ITEMS,
    KEY,
    READING,
    VERDICTS,
    candidate_texts,
    labels,
    make_items,
    read_verdicts,
    tally,
    tally_lines,
)
from mopa.scoring.run_scores import final_text


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("step", choices=("items", "labels"),
                   help="items: write the reading's items and key; labels: turn the reader's "
                        "verdicts into labels and tally them")
    p.add_argument("dir", metavar="DIR", help="items: an experiment's directory (holding "
                   "results.json); labels: the reading's directory")
    p.add_argument("--read", metavar="SYSTEMS", help="items: the systems whose outputs the "
                   "reader reads, by label or directory name (comma-separated)")
    p.add_argument("--items", type=int, default=24, metavar="N",
                   help="items: one item for each of the experiment's first N examples")
    p.add_argument("--shuffle-seed", type=int, default=7, metavar="S",
                   help="items: the seed of the candidates' order")
    p.add_argument("--out", help="items: the reading's directory")
    p.set_defaults(func=main)


def _outputs(experiment: Path, names: list[str]) -> dict[str, dict[str, str]]:
    results = read_json(experiment / "results.json")
    clean = results["settings"]["clean"]
    entries = {}
    for e in results["systems"]:
        for name in (e["label"], slugify(e["label"]), Path(e["run_dir"]).name):
            entries[name] = e
    unknown = [n for n in names if n not in entries]
    if unknown:
        raise ValueError(f"{experiment / 'results.json'} has no system {', '.join(unknown)}; "
                         f"its systems: {', '.join(e['label'] for e in results['systems'])}")
    return {name: {i: final_text(r, clean) for i, r in
                   RunStore.read(experiment / Path(entries[name]["run_dir"]).name).items()}
            for name in names}


def main(args: argparse.Namespace) -> None:
    if args.step == "items":
        if not args.read or not args.out:
            raise ValueError("mopa blind items needs --read (the systems to read) and --out (the "
                             "reading's directory)")
        experiment = Path(args.dir)
        settings = read_json(experiment / "results.json")["settings"]
        data = DataSettings(settings["data"], settings["limit"], settings["selection"],
                            settings["seed"], settings.get("skip", 0))
        names = [n.strip() for n in args.read.split(",") if n.strip()]
        text, key = make_items(data.examples()[:args.items], _outputs(experiment, names),
                               args.shuffle_seed)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / ITEMS, text)
        write_text_atomic(out / KEY, json.dumps(key, indent=1) + "\n")
        command = ["mopa", "blind", "items", args.dir, "--read", args.read, "--items",
                   str(args.items), "--shuffle-seed", str(args.shuffle_seed), "--out", args.out]
        write_text_atomic(out / READING, json.dumps({"command": command, "read": names,
                                                     "items": len(key)}, indent=1) + "\n")
        print(f"{len(key)} items -> {out / ITEMS} (give the reader only this file); key -> "
              f"{out / KEY}; the reader writes {out / VERDICTS}")
        return
    reading = Path(args.dir)
    if not (reading / VERDICTS).exists():
        raise ValueError(f"no {VERDICTS} in {reading}: the reader writes it there after reading "
                         f"{ITEMS} (mopa blind items makes both)")
    key = read_json(reading / KEY)
    verdicts = read_verdicts(reading / VERDICTS, key)
    texts = candidate_texts((reading / ITEMS).read_text(encoding="utf-8"))
    rows = labels(key, verdicts, texts)
    write_text_atomic(reading / LABELS_FILE, "".join(json.dumps(r) + "\n" for r in rows))
    print("\n".join(tally_lines(*tally(rows))))
    print(f"\n{len(verdicts)} items, {len(rows)} labels -> {reading / LABELS_FILE}")
