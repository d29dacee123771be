"""Blind readings: items for a reader who sees no system names, and the reader's verdicts turned
into labels (``labels.jsonl``, what ``agreement`` reads) and a tally per system.

The protocol is the judgments' PROTOCOL.md: for each example, the user's real text and every
chosen system's output, shuffled and labelled A, B, ...; the reader scores each candidate's
coherence and fit from 1 to 5, ranks them (no ties) and names the one they think is real.
``items.md`` is all the reader sees; ``key.json`` (which label is which, in the judgments'
format: item -> ``{"id": example id, "A": system, ...}``) stays away from them.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from statistics import fmean

from mopa.data import Example
from mopa.scoring.agreement import LABELS_FILE, REAL

ITEMS, KEY, VERDICTS, READING = "items.md", "key.json", "verdicts.json", "reading.json"
RECENT = 3  # past texts shown per item, newest first
CUT = 900  # characters of each past text shown
SCORES = ("coherence", "fit")
_CANDIDATE = re.compile(r"^\*\*([A-Z])\.\*\* ", re.M)


def make_items(examples: Sequence[Example], outputs: Mapping[str, Mapping[str, str]],
               seed: int = 7) -> tuple[str, dict]:
    """``items.md``'s text and the key, for ``examples`` (in order) and ``outputs``: system ->
    example id -> its output text. Every candidate order comes from one seeded shuffle."""
    rng, key, parts = random.Random(seed), {}, []
    for number, ex in enumerate(examples, 1):
        missing = [s for s, texts in outputs.items() if ex.id not in texts]
        if missing:
            raise ValueError(f"example {ex.id} has no output from {', '.join(missing)}; make "
                             "items from systems that ran on the same examples")
        candidates = [(REAL, ex.output.strip())] + [(s, t[ex.id].strip())
                                                    for s, t in outputs.items()]
        rng.shuffle(candidates)
        labels = [chr(ord("A") + i) for i in range(len(candidates))]
        named = zip(labels, candidates, strict=True)
        key[str(number)] = {"id": ex.id, **{lab: s for lab, (s, _) in named}}
        lines = [f"\n\n## Item {number}\n", f"Task given to the writer: {ex.input}\n",
                 "### This user's most recent earlier texts (newest first)"]
        for item in list(ex.profile)[-RECENT:][::-1]:
            text = str(item.get(ex.spec.text_field, ""))[:CUT]
            lines.append(f"- ({ex.spec.header(item)}) {text}")
        lines.append("\n### Candidates")
        lines += [f"\n**{lab}.** {text or '(empty)'}"
                  for lab, (_, text) in zip(labels, candidates, strict=True)]
        parts.append("\n".join(lines) + "\n")
    return "".join(parts), key


def candidate_texts(items: str) -> dict[str, dict[str, str]]:
    """Item number -> label -> text, read back from ``items.md``."""
    texts = {}
    pieces = re.split(r"\n## Item (\d+)\n", items)
    for number, block in zip(pieces[1::2], pieces[2::2], strict=True):
        shown = _CANDIDATE.split(block.split("### Candidates", 1)[-1])[1:]
        pairs = zip(shown[::2], shown[1::2], strict=True)
        texts[number] = {lab: text.strip() for lab, text in pairs}
    return texts


def _check(verdict: object, index: int, key: dict, path: Path) -> dict:
    where = f"{path}: verdict {index + 1}"
    if not isinstance(verdict, dict) or str(verdict.get("item")) not in key:
        raise ValueError(f"{where}: 'item' must be an item number of the key (1..{len(key)}), "
                         f"got {verdict.get('item') if isinstance(verdict, dict) else verdict!r}")
    item = str(verdict["item"])
    labels = sorted(lab for lab in key[item] if lab != "id")
    scores = verdict.get("scores")
    if not isinstance(scores, dict) or sorted(scores) != labels:
        raise ValueError(f"{where} (item {item}): 'scores' must score every label "
                         f"{', '.join(labels)}, got {sorted(scores or {})}")
    for lab in labels:
        for name in SCORES:
            value = scores[lab].get(name) if isinstance(scores[lab], dict) else None
            if not isinstance(value, int | float) or not 1 <= value <= 5:
                raise ValueError(f"{where} (item {item}): {lab}.{name} must be 1-5, got "
                                 f"{value!r}")
    if sorted(verdict.get("rank") or []) != labels:
        raise ValueError(f"{where} (item {item}): 'rank' must order every label once "
                         f"({', '.join(labels)}), got {verdict.get('rank')!r}")
    if verdict.get("real") not in labels:
        raise ValueError(f"{where} (item {item}): 'real' must be one of {', '.join(labels)}, "
                         f"got {verdict.get('real')!r}")
    return verdict


def read_verdicts(path: Path, key: dict) -> list[dict]:
    try:
        verdicts = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}:{e.lineno}: not valid JSON ({e.msg}); the reader writes a "
                         "list of verdicts, one per item") from None
    if not isinstance(verdicts, list) or not verdicts:
        raise ValueError(f"{path}: expected a list of verdicts, one per item")
    return [_check(v, i, key, path) for i, v in enumerate(verdicts)]


def labels(key: dict, verdicts: Sequence[dict], texts: dict[str, dict[str, str]]) -> list[dict]:
    """One ``labels.jsonl`` row per candidate the reader judged."""
    rows = []
    for v in verdicts:
        item = str(v["item"])
        rank = {lab: i + 1 for i, lab in enumerate(v["rank"])}
        for lab, s in sorted(v["scores"].items()):
            rows.append({"item": int(item), "id": key[item]["id"], "label": lab,
                         "system": key[item][lab], "text": texts.get(item, {}).get(lab, ""),
                         "coherence": s["coherence"], "fit": s["fit"], "rank": rank[lab],
                         "picked_real": v["real"] == lab})
    return rows


def item_ranks(rows: Sequence[dict]) -> dict[str, dict[str, float]]:
    """System -> example id -> the reader's rank of its text (1 = most plausibly the user's);
    candidates of one item with the same text share their mean rank, since the reader's order
    among them is arbitrary."""
    by_item: dict[int, list[dict]] = {}
    for r in rows:
        by_item.setdefault(r["item"], []).append(r)
    ranks: dict[str, dict[str, float]] = {}
    for item in by_item.values():
        for r in item:
            same = [o["rank"] for o in item if o["text"].strip() == r["text"].strip()]
            ranks.setdefault(r["system"], {})[r["id"]] = fmean(same)
    return ranks


def read_labels(reading: Path) -> list[dict]:
    """A reading's ``labels.jsonl`` rows (``mopa blind labels`` writes it)."""
    path = reading / LABELS_FILE
    if not path.exists():
        raise ValueError(f"no {LABELS_FILE} in {reading}: run mopa blind labels {reading} "
                         "once the reader's verdicts are there")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    wins: int  # items where the reader ranked ``first`` above ``second``
    losses: int
    ties: int = 0  # items where both wrote the same text: the reader's order there is arbitrary

    @property
    def p(self) -> float:
        """Two-sided exact sign test: the chance of a split at least this uneven if the reader
        preferred neither."""
        n, k = self.wins + self.losses, min(self.wins, self.losses)
        return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n) if n else 1.0


def tally(rows: Sequence[dict]) -> tuple[dict[str, dict], list[Pair]]:
    """Per system: mean coherence, fit and rank and how often it was taken for the real text;
    per pair of systems: the reader's wins each way, leaving out items where both wrote the
    same text (a tie the reader had to break at random)."""
    by_system: dict[str, list[dict]] = {}
    by_item: dict[int, dict[str, dict]] = {}
    for r in rows:
        by_system.setdefault(r["system"], []).append(r)
        by_item.setdefault(r["item"], {})[r["system"]] = r
    systems = {s: {"n": len(rs), "coherence": fmean(r["coherence"] for r in rs),
                   "fit": fmean(r["fit"] for r in rs), "rank": fmean(r["rank"] for r in rs),
                   "taken_for_real": sum(r["picked_real"] for r in rs)}
               for s, rs in by_system.items()}
    order = sorted(systems, key=lambda s: systems[s]["rank"])
    pairs = []
    for a, b in combinations(order, 2):
        both = [item for item in by_item.values() if a in item and b in item]
        same = [item for item in both if item[a]["text"].strip() == item[b]["text"].strip()]
        wins = sum(item[a]["rank"] < item[b]["rank"] for item in both if item not in same)
        pairs.append(Pair(a, b, wins, len(both) - len(same) - wins, len(same)))
    return {s: systems[s] for s in order}, pairs


def tally_lines(systems: dict[str, dict], pairs: Sequence[Pair]) -> list[str]:
    lines = ["| candidate | n | coherence | fit | mean rank | taken for the real text |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {s} | {t['n']} | {t['coherence']:.2f} | {t['fit']:.2f} | {t['rank']:.2f} | "
              f"{t['taken_for_real']}/{t['n']} |" for s, t in systems.items()]
    lines += ["", "| ranked above | over | items won–lost | same text | sign test p |",
              "|---|---|---|---|---|"]
    lines += [f"| {p.first} | {p.second} | {p.wins}–{p.losses} | {p.ties} | {p.p:.3f} |"
              for p in pairs if REAL not in (p.first, p.second)]
    return lines
