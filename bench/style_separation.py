"""Does `style` tell a user's real next text from other users' texts of the same task? And how
do `style` and `fluency` follow the blind reader's coherence and fit?

Separation: for each example, the user's real next text and K real next texts of other users
(same file, same half, seeded draw) are scored against this user's profile, all candidates of
a half in one batch (so the background is the half's users, as when a run is scored). Printed
per task and half: AUC (share of real-vs-other pairs where the real text scores higher, ties
half) and top-1 (the real text first of K + 1; chance 1 / (K + 1)), with n examples. Beside
it, each example's K + 1 candidates scored as their own batch, as when one example's drafts are
compared: one user, so the background is that user and the demo data's users.

Reader labels: Spearman correlation of each metric with the reader's coherence and fit over the
labelled candidates (system outputs only, and with the real texts). `fluency` runs the embedded
model (a few minutes of CPU for the 120 labelled texts; --no-fluency skips it):

    MOPA_LLAMA_THREADS=1 python bench/style_separation.py
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

from mopa.data import Example, load_file
from mopa.scoring.registry import get_metric
from mopa.splits import selection_test_split

# As the other benches: the shared data beside the repository's checkout (--data, --labels
# and --labelled-data point elsewhere, e.g. from a worktree).
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATA = [SHARED / "data" / f"{name}.jsonl" for name in (
    "amazon_mi_product_review_temporal.dev300", "hugo_abstract_generation_temporal.dev",
    "stackexchange_topic_writing_temporal.dev")]
LABELS = SHARED / "judgments" / "reviews_dev_selection" / "labels.jsonl"
LABELLED_DATA = DATA[0]


def candidates(examples: list[Example], k: int, seed: int) -> list[list[str]]:
    """Per example: its real text, then k real texts of other users in the same list."""
    rng = random.Random(seed)
    rows = []
    for example in examples:
        others = [o.output for o in examples if o.user_id != example.user_id]
        rows.append([example.output] + rng.sample(others, min(k, len(others))))
    return rows


def separation(scores: list[list[float]]) -> tuple[float, float]:
    """(AUC, top-1) of the first score of each row against the rest."""
    wins = pairs = top = 0.0
    for real, *others in scores:
        wins += sum(1.0 if real > o else 0.5 if real == o else 0.0 for o in others)
        pairs += len(others)
        top += real > max(others)
    return wins / pairs, top / len(scores)


def score_rows(examples: list[Example], rows: list[list[str]], one_user: bool) -> list[list[float]]:
    style = get_metric("style")
    if one_user:
        return [style.score_batch(row, [ex] * len(row))
                for ex, row in zip(examples, rows, strict=True)]
    flat = [(text, ex) for ex, row in zip(examples, rows, strict=True) for text in row]
    values = iter(style.score_batch([t for t, _ in flat], [e for _, e in flat]))
    return [[next(values) for _ in row] for row in rows]


def print_separation(paths: list[Path], k: int, seed: int) -> None:
    print(f"style separation: real next text vs {k} other users' real texts "
          f"(top-1 chance {1 / (k + 1):.3f})")
    print(f"{'task':<22} {'half':<10} {'n':>4} {'AUC':>6} {'top-1':>6} "
          f"{'AUC alone':>10} {'top-1 alone':>12}")
    for path in paths:
        examples = load_file(path)
        selection, test = selection_test_split(examples, seed)
        for half, part in (("all", examples), ("selection", selection), ("test", test)):
            rows = candidates(part, k, seed)
            auc, top = separation(score_rows(part, rows, one_user=False))
            auc1, top1 = separation(score_rows(part, rows, one_user=True))
            print(f"{examples[0].task:<22} {half:<10} {len(part):>4} {auc:>6.3f} {top:>6.3f} "
                  f"{auc1:>10.3f} {top1:>12.3f}", flush=True)


def _ranks(values: list[float]) -> np.ndarray:
    """Ranks with ties averaged (coherence and fit are 1-5, so ties are the rule)."""
    array = np.asarray(values, dtype=float)
    order = np.argsort(array, kind="stable")
    ranks = np.empty(len(array))
    ranks[order] = np.arange(len(array), dtype=float)
    for value in np.unique(array):
        tied = array == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(a: list[float], b: list[float]) -> float:
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def print_label_agreement(labels_path: Path, data: Path, fluency: bool) -> None:
    by_id = {ex.id: ex for ex in load_file(data)}
    labels = [json.loads(line) for line in labels_path.read_text(encoding="utf-8").splitlines()
              if line.strip()]
    examples = [by_id[row["id"]] for row in labels]
    texts = [row["text"] for row in labels]
    scored = {"style": get_metric("style").score_batch(texts, examples)}
    if fluency:
        from mopa.lm.embedded import embedded_lm

        lm = embedded_lm(cache=False)
        scored["fluency"] = get_metric("fluency").score_batch(texts, examples, lm=lm)
    systems = [i for i, row in enumerate(labels) if row["system"] != "true"]
    print(f"\nSpearman with the reader ({len(labels)} labelled candidates, "
          f"{len(systems)} system outputs, {len(set(r['item'] for r in labels))} items)")
    print(f"{'metric':<8} {'coh (sys)':>10} {'fit (sys)':>10} {'coh (all)':>10} {'fit (all)':>10}")
    for name, values in scored.items():
        cells = []
        for subset in (systems, range(len(labels))):
            for rubric in ("coherence", "fit"):
                cells.append(spearman([values[i] for i in subset],
                                      [labels[i][rubric] for i in subset]))
        print(f"{name:<8} " + " ".join(f"{c:>10.3f}" for c in cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="*", type=Path, default=DATA)
    parser.add_argument("--distractors", type=int, default=9, help="K other users' texts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--labels", type=Path, default=LABELS, help="reader labels (JSONL)")
    parser.add_argument("--labelled-data", type=Path, default=LABELLED_DATA,
                        help="the data file the labelled examples come from")
    parser.add_argument("--no-fluency", action="store_true",
                        help="skip the embedded model (style correlations only)")
    args = parser.parse_args(argv)
    missing = [str(p) for p in [*args.data, args.labels, args.labelled_data] if not p.exists()]
    if missing:
        print(f"missing data: {', '.join(missing)}", file=sys.stderr)
        return 2
    print_separation(args.data, args.distractors, args.seed)
    print_label_agreement(args.labels, args.labelled_data, fluency=not args.no_fluency)
    return 0


if __name__ == "__main__":
    sys.exit(main())
