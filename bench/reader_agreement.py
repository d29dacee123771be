"""How well do metrics agree with blind readers? Prints, for each metric, the share of labelled
candidate pairs (within an item, ranked differently by the reader) it orders as the reader did,
for system outputs only and for all candidates (the user's real text included), and its
Spearman correlation with the reader's coherence and fit.

    python bench/reader_agreement.py --metrics repetition,leakage,rating,topic,meteor,rougeL \\
        --labels ../shared/judgments \\
        --data ../shared/data/amazon_mi_product_review_temporal.dev300.jsonl

A metric that reads the reference (METEOR, ROUGE-L) scores the real text against itself, so its
"all" columns are left out (shown as "-"). See mopa/scoring/agreement.py for the measures.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from mopa.data import load_file
from mopa.runs.settings import MetricSettings
from mopa.scoring.agreement import (
    examples_for,
    label_files,
    load_labels,
    metric_agreement,
)
from mopa.scoring.registry import metrics, parse_metrics

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LABELS = ROOT.parent / "shared" / "judgments"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "amazon_mi_product_review_temporal.dev300.jsonl"


def _cell(value: float | None, digits: int = 3) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--metrics", default=None,
                        help="comma-separated metric names (default: every registered metric "
                             "that needs no LM)")
    parser.add_argument("--labels", action="append", default=None,
                        help="a judgments folder (every */labels.jsonl in it) or a labels.jsonl "
                             f"file; repeatable (default: {DEFAULT_LABELS})")
    parser.add_argument("--data", action="append", default=None,
                        help=f"the data file(s) the labels were made from (default: "
                             f"{DEFAULT_DATA})")
    parser.add_argument("--scoring-lm", default=None, metavar="SPEC",
                        help="the LM that metrics scoring by log-probabilities (fluency, "
                             "likelihood) read, e.g. embedded; without it they are skipped")
    args = parser.parse_args(argv)

    chosen = (parse_metrics(args.metrics) if args.metrics else
              [m for m in metrics().values() if not m.needs_lm or
               (m.lm_role == "scoring" and args.scoring_lm)])
    scoring = ",".join(m.name for m in chosen if m.lm_role == "scoring")
    lms = MetricSettings(scoring, args.scoring_lm).lms() if scoring and args.scoring_lm else {}
    refused = [m.name for m in chosen if m.needs_lm and m.lm_role not in lms]
    if refused:
        parser.error(f"{', '.join(refused)} score with an LM: pass --scoring-lm (e.g. "
                     "embedded); a judge's agreement is measured by mopa evaluate")
    paths = [p for source in (args.labels or [DEFAULT_LABELS])
             for p in (label_files(source) if Path(source).is_dir() else [Path(source)])]
    candidates = load_labels(paths)
    examples = examples_for(candidates, [e for d in (args.data or [DEFAULT_DATA])
                                         for e in load_file(d)])
    items = len({c.item for c in candidates})
    print(f"{len(candidates)} labelled candidates, {items} items, from "
          f"{', '.join(str(p) for p in paths)}")
    header = ("metric", "pairs agree (sys)", "pairs agree (all)", "rho coherence (sys/all)",
              "rho fit (sys/all)")
    rows = []
    for metric in chosen:
        a = metric_agreement(metric, candidates, examples, lm=lms.get(metric.lm_role))
        rows.append((metric.name + (" (ref)" if metric.uses_reference else ""),
                     f"{_cell(a.pairs_system)} (n={a.n_pairs_system})",
                     f"{_cell(a.pairs_all)} (n={a.n_pairs_all})" if a.pairs_all is not None
                     else "-",
                     f"{_cell(a.rho_coherence_system, 2)} / {_cell(a.rho_coherence_all, 2)}",
                     f"{_cell(a.rho_fit_system, 2)} / {_cell(a.rho_fit_all, 2)}"))
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print(" | ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))
    n_sys = sum(not c.is_real for c in candidates)
    print(f"rho over n = {n_sys} system outputs / {len(candidates)} candidates (all); "
          "(ref) = reads the reference: real texts left out")


if __name__ == "__main__":
    main()
