"""Time mopa.scoring.metrics.score_pairs against the plain official-style scorer, and diff them.

Run in a fresh process (word caches start empty):

    python bench/score_speed.py [DATA.jsonl] [--pairs 1000] [--workers N]

Pairs are (prediction = a profile review, reference = an example's gold output): first
each example's output with each of its own profile reviews, then with other examples'
profile reviews, until ``--pairs`` distinct pairs. The reference scorer is
``rouge_score.RougeScorer(["rouge1", "rougeL"])`` plus NLTK's ``single_meteor_score``
on ``word_tokenize`` tokens with alpha=0.9, beta=3, gamma=0.5 (LongLaMP's settings).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

# The real-review dev data sits next to the repository (../shared/data), never inside it.
DEFAULT_DATA = (Path(__file__).resolve().parents[2] / "shared" / "data"
                / "amazon_mi_product_review_temporal.dev.jsonl")


def build_pairs(path: Path, n: int) -> list[tuple[str, str]]:
    """Up to ``n`` distinct (prediction, reference) pairs, deterministic order."""
    examples = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    profiles = [[item["reviewText"] for item in ex["profile"]] for ex in examples]
    seen: set[tuple[str, str]] = set()
    pairs: list[tuple[str, str]] = []

    def add(prediction: str, reference: str) -> None:
        if len(pairs) < n and (prediction, reference) not in seen:
            seen.add((prediction, reference))
            pairs.append((prediction, reference))

    for ex, own in zip(examples, profiles, strict=True):
        for review in own:
            add(review, ex["output"])
    for shift in range(1, len(examples)):
        for i, ex in enumerate(examples):
            for review in profiles[(i + shift) % len(examples)]:
                add(review, ex["output"])
    return pairs


def reference_scores(pairs: list[tuple[str, str]]) -> list[dict[str, float]]:
    from nltk import word_tokenize
    from nltk.translate.meteor_score import single_meteor_score
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=False)
    rows = []
    for prediction, reference in pairs:
        rouge = scorer.score(reference, prediction)
        meteor = single_meteor_score(
            word_tokenize(reference), word_tokenize(prediction), alpha=0.9, beta=3, gamma=0.5
        )
        row = {key: rouge[key].fmeasure for key in ("rouge1", "rougeL")}
        row["meteor"] = meteor
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None, help="default: score_pairs' choice")
    parser.add_argument("--skip-reference", action="store_true", help="time ours only")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"no data file at {args.data}; pass the LongLaMP-format .jsonl path", file=sys.stderr)
        return 2

    pairs = build_pairs(args.data, args.pairs)
    predictions = [p for p, _ in pairs]
    references = [r for _, r in pairs]

    # `import nltk` pulls in scipy/sklearn (~2 s): a one-off cost both scorers pay,
    # reported apart from scoring.
    start = time.perf_counter()
    import nltk  # noqa: F401

    from mopa.scoring.metrics import score_pairs

    import_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = score_pairs(predictions, references, workers=args.workers)
    ours_s = time.perf_counter() - start
    print(f"pairs: {len(pairs)}")
    print(f"import nltk + mopa.scoring.metrics: {import_s:.2f} s (one-off, not in the times below)")
    print(f"ours (score_pairs, cold word caches, incl. data load): {ours_s:.2f} s")
    if args.skip_reference:
        return 0

    start = time.perf_counter()
    ref = reference_scores(pairs)
    ref_s = time.perf_counter() - start
    print(f"reference (rouge_score + nltk meteor): {ref_s:.2f} s")
    print(f"speedup: {ref_s / ours_s:.1f}x")
    for key in ("rouge1", "rougeL", "meteor"):
        diff = max(abs(a[key] - b[key]) for a, b in zip(ours, ref, strict=True))
        print(f"max |diff| {key}: {diff:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
