"""Fit the combined ``reader`` score on the blind labels and print how well it agrees with the
reader on items it was NOT fit on (cross-validated by item), beside each proxy alone.

    python bench/fit_reader.py                 # the numbers only
    python bench/fit_reader.py --write         # also write the weights fit on every item

``--write`` stores the model in mopa/scoring/reader/weights.json, which the ``reader`` metric
reads. Proxies that need the scoring LM (fluency) use the embedded model.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from mopa.data import load_file
from mopa.scoring.agreement import agreement, examples_for, label_files, load_labels
from mopa.scoring.reader.reader import PROXIES, WEIGHTS_FILE
from mopa.scoring.reader_fit import L2, cross_validate, fit
from mopa.scoring.registry import get_metric

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LABELS = ROOT.parent / "shared" / "judgments"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "amazon_mi_product_review_temporal.dev300.jsonl"


def proxy_rows(names, candidates, examples, lm) -> np.ndarray:
    texts = [c.text for c in candidates]
    columns = [get_metric(name).score_batch(texts, examples, lm=lm) for name in names]
    return np.array(columns).T


def _line(name: str, a) -> str:
    return (f"{name:<24} {a.pairs_system:.3f} (n={a.n_pairs_system:>3})   "
            f"{a.pairs_all:.3f} (n={a.n_pairs_all:>3})   "
            f"{a.rho_coherence_system:+.2f} / {a.rho_fit_system:+.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", default=str(DEFAULT_LABELS))
    parser.add_argument("--data", action="append", default=None)
    parser.add_argument("--proxies", default=",".join(PROXIES),
                        help="comma-separated proxies the score combines")
    parser.add_argument("--l2", type=float, default=L2)
    parser.add_argument("--write", action="store_true", help=f"write {WEIGHTS_FILE.name}")
    args = parser.parse_args(argv)

    names = [n.strip() for n in args.proxies.split(",") if n.strip()]
    source = Path(args.labels)
    candidates = load_labels(label_files(source) if source.is_dir() else [source])
    examples = examples_for(candidates, [e for d in (args.data or [DEFAULT_DATA])
                                         for e in load_file(d)])
    lm = lm_role = None
    if any(get_metric(n).needs_lm for n in names):
        lm_role = "scoring"
        from mopa.lm.factory import make_lm

        lm = make_lm("embedded")
    rows = proxy_rows(names, candidates, examples, lm)
    items = len({c.item for c in candidates})
    print(f"{len(candidates)} candidates, {items} items; fit on system outputs, "
          f"leave-one-item-out, l2={args.l2}")
    print(f"{'score':<24} pairs agree (sys)   pairs agree (all)   rho coh / fit (sys)")
    for k, name in enumerate(names):
        print(_line(name, agreement(candidates, list(rows[:, k]))))
    held_out = cross_validate(names, rows, candidates, args.l2)
    print(_line("reader (held-out item)", agreement(candidates, held_out)))
    model = fit(names, rows, candidates, l2=args.l2, lm_role=lm_role)
    print("weights fit on every item (per standard deviation): " +
          ", ".join(f"{n} {w:+.2f}" for n, w in zip(names, model.weights, strict=True)))
    if args.write:
        WEIGHTS_FILE.write_text(json.dumps(model.as_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
