"""Choose one MoPA configuration on a selection run, by a rule fixed before its scores are
seen, so the test half confirms a choice instead of making it.

The rule: among the layered systems of a ``systems`` (or ``aggregators``) experiment, the one
whose *weakest* paired gain over RAG-Personalized is strongest. For each metric, the gain is
the per-example difference's mean divided by its standard error (a paired t statistic); a
system's score is the smallest of these over the metrics, so a system that wins on METEOR by
writing longer but loses on ROUGE-L or the reader lens cannot be chosen for its METEOR alone.
The target it serves: beating RAG-Personalized on every metric at once.

With a blind reading of the selection run (``mopa blind``), the readers are one more of those
metrics, ``readers``: per read example, how many places above RAG-Personalized's text the
reader ranked the system's. Only systems the reader read can then be chosen: the offline
metrics, the reader proxy included, have been seen to disagree with readers.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from mopa.atomic import write_text_atomic
from mopa.experiments import EXPERIMENTS
from mopa.experiments.claims import BASELINE, METRICS, baseline_of, ran_systems
from mopa.experiments.spec import slugify
from mopa.jsonl import read_json
from mopa.programs.presets import PRESETS
from mopa.scoring.blind import item_ranks, read_labels
from mopa.scoring.registry import get_metric

CHOICE_FILE = "choice.json"
READERS = "readers"  # a blind reading's ranks, as one more metric of the rule
RULE = ("the layered system whose smallest paired t statistic over RAG-Personalized (mean "
        "per-example difference / its standard error), across the metrics, is largest")


@dataclass(frozen=True)
class Candidate:
    label: str
    baseline: str  # the RAG-Personalized row it is compared with
    gains: dict[str, float]  # metric -> mean per-example difference from the baseline
    t: dict[str, float]  # metric -> paired t statistic
    n: int

    @property
    def score(self) -> float:
        return min(self.t.values())


def paired_t(a: list[float], b: list[float]) -> float:
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    mean = float(diff.mean())
    mean = 0.0 if abs(mean) < 1e-12 else mean
    se = float(diff.std(ddof=1)) / math.sqrt(len(diff)) if len(diff) > 1 else 0.0
    if se < 1e-12:  # identical texts, or one example: the sign is all there is
        return 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
    return mean / se


def _read(ranks: dict[str, dict[str, float]], label: str) -> dict[str, float] | None:
    return ranks.get(label) or ranks.get(slugify(label))


def candidates(results: dict, metrics: tuple[str, ...] = METRICS,
               readers: list[dict] | None = None) -> list[Candidate]:
    """Every layered system, scored against RAG-Personalized under the same settings; with
    ``readers`` (a reading's labels), every layered system the reader read, on ``readers``
    too."""
    ranks = item_ranks(readers) if readers else {}
    experiment = EXPERIMENTS[results["settings"]["experiment"]]
    ran = ran_systems(results, experiment)
    scored = []
    for system, entry in ran:
        if not PRESETS[system.preset].layered:
            continue
        baseline, base_entry = baseline_of(system, ran, experiment)
        if base_entry is None:
            raise ValueError(f"{system.label}: no {PRESETS[BASELINE].label} in these results "
                             "under its settings: the rule compares against it; add it to "
                             "--systems and rerun")
        scores, base = entry["scores"], base_entry["scores"]
        missing = [m for m in metrics if m not in scores or m not in base]
        if missing:
            raise ValueError(f"{system.label}: not scored on {', '.join(missing)}; rerun the "
                             f"experiment with --metrics {','.join(metrics)}")
        gains = {m: float(np.mean(scores[m]) - np.mean(base[m])) for m in metrics}
        t = {m: paired_t(scores[m], base[m]) for m in metrics}
        if readers:
            mine, theirs = _read(ranks, system.label), _read(ranks, baseline.label)
            if theirs is None:
                raise ValueError(f"the reading has no {baseline.label}: the rule compares "
                                 "against it; read it too (mopa blind items --read ...)")
            if mine is None:
                continue
            read = sorted(set(mine) & set(theirs))
            places = [theirs[i] - mine[i] for i in read]  # > 0: ranked above RAG's text
            gains[READERS] = float(np.mean(places))
            t[READERS] = paired_t(places, [0.0] * len(places))
        scored.append(Candidate(system.label, baseline.label, gains, t,
                                len(scores[metrics[0]])))
    if not scored:
        raise ValueError("no MoPA system in these results to choose among"
                         + (" that the reader read" if readers else ""))
    return scored


def choose(path: str | Path, metrics: tuple[str, ...] = METRICS,
           reading: str | Path | None = None) -> dict:
    """The choice on the experiment at ``path`` (its directory or results.json), with the blind
    ``reading`` of it if given, also written to choice.json beside it."""
    path = Path(path)
    results_file = path / "results.json" if path.is_dir() else path
    results = read_json(results_file)
    readers = read_labels(Path(reading)) if reading else None
    scored = candidates(results, metrics, readers)
    best = max(scored, key=lambda c: c.score)
    settings = results["settings"]
    choice = {"rule": RULE, "metrics": [*metrics, *([READERS] if readers else [])],
              "reading": str(reading) if reading else None, "baseline": best.baseline,
              "chosen": best.label, "data": settings["data"],
              "selection": settings["selection"], "n": best.n,
              "candidates": [{**asdict(c), "score": c.score} for c in scored]}
    write_text_atomic(results_file.parent / CHOICE_FILE, json.dumps(choice, indent=2) + "\n")
    return choice


def describe(choice: dict) -> list[str]:
    """The choice as Markdown lines: the rule, every candidate's gains, the one chosen."""
    metrics = choice["metrics"]
    labels = ["places above RAG, blind readers" if m == READERS else get_metric(m).label
              for m in metrics]
    lines = [f"Chosen by rule on `{choice['selection']}` (n = {choice['n']}): {choice['rule']}.",
             "", "| System | " + " | ".join(f"Δ{lab} (t)" for lab in labels) + " | score |",
             "|---" * (len(metrics) + 2) + "|"]
    for c in sorted(choice["candidates"], key=lambda c: -c["score"]):
        mark = " **(chosen)**" if c["label"] == choice["chosen"] else ""
        cells = [f"{c['gains'][m]:+.4f} ({c['t'][m]:+.2f})" for m in metrics]
        lines.append(f"| {c['label']}{mark} | " + " | ".join(cells) + f" | {c['score']:+.2f} |")
    return lines
