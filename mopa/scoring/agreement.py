"""How well a metric agrees with blind readers: their labels, loaded, and the two measures.

Labels are ``labels.jsonl`` files (one line per candidate text a reader judged: the item, the
example id, the system that wrote it or ``"true"`` for the user's real text, the text, its
coherence and fit 1-5 and its rank, 1 = most plausibly the user's; see the judgments'
PROTOCOL.md). Against them a metric's scores give

- pairwise agreement: of the pairs of candidates within one item that the reader ranked
  differently, the share the metric orders the same way (a tie counts half);
- Spearman rank correlation with the reader's coherence and with fit, over candidates.

Both are reported for system outputs only (the targets are about telling systems apart) and
for all candidates (the real text included). A metric that reads the reference scores the
real text against itself, so for those only the system-only numbers mean anything.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from mopa.data import Example
from mopa.scoring.registry import Metric

REAL = "true"  # the system name labels give the user's real text
LABELS_FILE = "labels.jsonl"
_FIELDS = {"item": (int, str), "id": str, "system": str, "text": str,
           "coherence": (int, float), "fit": (int, float), "rank": int}


@dataclass(frozen=True)
class Candidate:
    item: str  # unique across label files: "<folder>/<item number>"
    example_id: str
    system: str
    text: str
    coherence: float
    fit: float
    rank: int  # 1 = the one the reader found most plausibly the user's

    @property
    def is_real(self) -> bool:
        return self.system == REAL


@dataclass(frozen=True)
class Agreement:
    pairs_system: float  # share of system-only pairs ordered as the reader did
    n_pairs_system: int
    pairs_all: float | None  # None when the real text was excluded (reference metrics)
    n_pairs_all: int
    rho_coherence_system: float
    rho_fit_system: float
    n_system: int
    rho_coherence_all: float | None
    rho_fit_all: float | None
    n_all: int


def label_files(root: str | Path) -> list[Path]:
    """Every ``*/labels.jsonl`` under ``root`` (one folder per reading), sorted."""
    root = Path(root)
    found = sorted(root.glob(f"*/{LABELS_FILE}"))
    if not found:
        raise FileNotFoundError(f"no */{LABELS_FILE} under {root}; pass the judgments folder "
                                f"(e.g. ../shared/judgments) or a labels file")
    return found


def load_labels(paths: Iterable[str | Path]) -> list[Candidate]:
    out: list[Candidate] = []
    for path in map(Path, paths):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            for name, kind in _FIELDS.items():
                if not isinstance(row.get(name), kind):
                    raise ValueError(f"{path}:{number}: field {name!r} must be "
                                     f"{getattr(kind, '__name__', kind)}, got "
                                     f"{row.get(name)!r:.60}; is this a labels.jsonl file?")
            out.append(Candidate(item=f"{path.parent.name}/{row['item']}",
                                 example_id=row["id"], system=row["system"], text=row["text"],
                                 coherence=float(row["coherence"]), fit=float(row["fit"]),
                                 rank=row["rank"]))
    return out


def examples_for(candidates: Sequence[Candidate], examples: Iterable[Example]) -> list[Example]:
    """The example each candidate was written for, in candidate order."""
    by_id = {e.id: e for e in examples}
    missing = sorted({c.example_id for c in candidates} - set(by_id))
    if missing:
        raise ValueError(f"{len(missing)} labelled example ids are not in the data (first: "
                         f"{missing[0]}); pass the data file the labels were made from")
    return [by_id[c.example_id] for c in candidates]


def score_candidates(metric: Metric, candidates: Sequence[Candidate],
                     examples: Sequence[Example], lm=None) -> list[float]:
    return metric.score_batch([c.text for c in candidates], examples, lm=lm)


def pair_agreement(candidates: Sequence[Candidate], scores: Sequence[float]) -> tuple[float, int]:
    """(share of differently-ranked pairs within an item that ``scores`` order as the reader
    did, with ties counting half; number of such pairs). Higher score = better."""
    by_item: dict[str, list[int]] = defaultdict(list)
    for index, candidate in enumerate(candidates):
        by_item[candidate.item].append(index)
    credit, pairs = 0.0, 0
    for indices in by_item.values():
        for i, j in combinations(indices, 2):
            if candidates[i].rank == candidates[j].rank:
                continue
            pairs += 1
            better, worse = (i, j) if candidates[i].rank < candidates[j].rank else (j, i)
            if scores[better] > scores[worse]:
                credit += 1.0
            elif scores[better] == scores[worse]:
                credit += 0.5
    return (credit / pairs if pairs else math.nan), pairs


def _average_ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rho with average ranks for ties; nan when either side is constant."""
    if len(xs) != len(ys):
        raise ValueError(f"spearman needs equal lengths, got {len(xs)} and {len(ys)}")
    if len(xs) < 2:
        return math.nan
    rx, ry = _average_ranks(xs), _average_ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / math.sqrt(vx * vy) if vx and vy else math.nan


def agreement(candidates: Sequence[Candidate], scores: Sequence[float],
              higher_is_better: bool = True, include_real: bool = True) -> Agreement:
    """Both measures, for system outputs and (unless ``include_real`` is False) all."""
    if len(candidates) != len(scores):
        raise ValueError(f"got {len(scores)} scores for {len(candidates)} candidates")
    oriented = [s if higher_is_better else -s for s in scores]
    system = [i for i, c in enumerate(candidates) if not c.is_real]

    def measures(indices: list[int]) -> tuple[float, int, float, float]:
        chosen = [candidates[i] for i in indices]
        values = [oriented[i] for i in indices]
        share, pairs = pair_agreement(chosen, values)
        return (share, pairs, spearman(values, [c.coherence for c in chosen]),
                spearman(values, [c.fit for c in chosen]))

    sys_share, sys_pairs, sys_coh, sys_fit = measures(system)
    if include_real:
        all_share, all_pairs, all_coh, all_fit = measures(list(range(len(candidates))))
    else:
        all_share = all_coh = all_fit = None
        all_pairs = 0
    return Agreement(pairs_system=sys_share, n_pairs_system=sys_pairs, pairs_all=all_share,
                     n_pairs_all=all_pairs, rho_coherence_system=sys_coh, rho_fit_system=sys_fit,
                     n_system=len(system), rho_coherence_all=all_coh, rho_fit_all=all_fit,
                     n_all=len(candidates) if include_real else 0)


def metric_agreement(metric: Metric, candidates: Sequence[Candidate],
                     examples: Sequence[Example], lm=None) -> Agreement:
    """Score every candidate with ``metric`` and measure its agreement; a metric that reads
    the reference is measured on system outputs only."""
    scores = score_candidates(metric, candidates, examples, lm=lm)
    return agreement(candidates, scores, metric.higher_is_better,
                     include_real=not metric.uses_reference)
