"""Which aggregator and length policy should MoPA adopt with a small base model?

On the SELECTION half (mopa/splits.py) of a LongLaMP file, for each length policy, a pool of
up to N RAG-Personalized drafts per example (bench/draft_pool.py) is generated once; then
selectors pick one draft from the first n = 1..N without any further generation, and each
pick is scored against the reference, beside the controls (first draft = RAG-Personalized
under the same policy, `longest`, copy-latest) with paired bootstrap CIs.

    MOPA_LLAMA_THREADS=1 python bench/aggregators.py --limit 40 --drafts 8 \\
        --policies user1.5,fixed256
Phases: generate (drafts), score (log-probabilities of every draft), report (the tables); the
default runs all three. Everything is resumable.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from draft_pool import DraftPool  # noqa: E402
from draft_scores import LogprobStore, candidates, clean, score_all  # noqa: E402
from pickers import LOGPROB_SELECTORS, SELECTORS, Candidates  # noqa: E402

from mopa.data import load_file  # noqa: E402
from mopa.scoring.intervals import paired_bootstrap  # noqa: E402
from mopa.scoring.metrics import score_pair  # noqa: E402
from mopa.splits import selection_test_split  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "amazon_mi_product_review_temporal.dev300.jsonl"
DEFAULT_OUT = ROOT / "runs" / "bench" / "aggregators"
log = logging.getLogger("aggregators")


def generate(examples, pool: DraftPool, policies: list[str]) -> None:
    start = time.perf_counter()
    for n, ex in enumerate(examples, 1):
        for policy in policies:
            rec = pool.get(ex, policy)
            log.info("%d/%d %s %s max_tokens=%d draft s=%s (%.0f s total)", n, len(examples),
                     ex.id, policy, rec["max_tokens"], rec["seconds"],
                     time.perf_counter() - start)


METRICS = ("meteor", "rougeL", "rouge1")


def ci(system, baseline) -> dict:
    return paired_bootstrap(system, baseline).as_dict()


def evaluate(examples, pool: DraftPool, policies, store: LogprobStore, drafts: int,
             layer: int = 1) -> dict:
    """Per (policy, trim, selector, n): per-example scores of the pick, then means and CIs."""
    examples = [ex for ex in examples
                if all((ex.id, p, layer) in pool.lines for p in policies)]
    scored: dict[tuple[str, str], dict] = {}

    def score(ex, text: str) -> dict:
        if (ex.id, text) not in scored:
            scored[ex.id, text] = score_pair(text, ex.output)
        return scored[ex.id, text]

    systems: dict[tuple, dict] = {}
    store.compute = False
    unscored = set()
    for policy in policies:
        for trim in (False, True):
            cands = [candidates(ex, pool.lines[ex.id, policy, layer], trim, store, pool)
                     for ex in examples]
            # Log-probability selectors only where every non-empty draft has been scored.
            if any(c.lp_profile[i] is None or c.lp_query[i] is None
                   for c in cands for i in c.usable(drafts)):
                unscored.add(policy)
            for name, select in SELECTORS.items():
                if name in LOGPROB_SELECTORS and policy in unscored:
                    continue
                for n in range(1, drafts + 1):
                    picks = [select(c, n) for c in cands]
                    texts = [c.texts[i] if i is not None else "" for c, i in zip(cands, picks,
                                                                                 strict=True)]
                    rows = [score(ex, t) for ex, t in zip(examples, texts, strict=True)]
                    systems[policy, trim, name, n] = {
                        **{m: [r[m] for r in rows] for m in METRICS},
                        "words": [len(t.split()) for t in texts],
                        "user_words": [c.user_words for c in cands], "picks": picks}
    copy = [score_pair(clean(ex.latest_text(), trim=False), ex.output) for ex in examples]
    copy_latest = {m: [r[m] for r in copy] for m in METRICS}
    copy_latest["words"] = [len(ex.latest_text().split()) for ex in examples]
    today = systems.get(("fixed256", False, "first (RAG)", 1))
    drafts_stats = {}
    for policy in policies:
        recs = [pool.lines[ex.id, policy, layer] for ex in examples]
        texts = [clean(d, trim=False) for r in recs for d in r["drafts"][:drafts]]
        full = [len(store.tokenize(d)) >= r["max_tokens"] - 2
                for r in recs for d in r["drafts"][:drafts]]
        kept = [t for t in texts if t.strip()]
        drafts_stats[policy] = {
            "mean_max_tokens": sum(r["max_tokens"] for r in recs) / len(recs),
            "empty": 1 - len(kept) / len(texts), "hit_max_tokens": sum(full) / len(full),
            "mean_words_nonempty": sum(len(t.split()) for t in kept) / max(1, len(kept)),
            "seconds_per_draft": sum(s for r in recs for s in r["seconds"][:drafts])
            / sum(len(r["seconds"][:drafts]) for r in recs)}
    rows = []
    for (policy, trim, name, n), sysd in systems.items():
        row = {"policy": policy, "trim": trim, "selector": name, "n": n,
               **{m: sum(sysd[m]) / len(sysd[m]) for m in (*METRICS, "words", "user_words")}}
        baselines = {"rag": systems[policy, trim, "first (RAG)", 1],
                     "longest": systems[policy, trim, "longest", n], "copy": copy_latest}
        if today is not None:
            baselines["rag_fixed256"] = today
        for base, values in baselines.items():
            for m in ("meteor", "rougeL"):
                row[f"d_{m}_vs_{base}"] = ci(sysd[m], values[m])
        rows.append(row)
    return {"n_examples": len(examples), "ids": [ex.id for ex in examples], "rows": rows,
            "unscored_policies": sorted(unscored),
            "copy_latest": {m: sum(v) / len(v) for m, v in copy_latest.items()},
            "drafts": drafts_stats, "reference_words": sum(len(ex.output.split())
                                                           for ex in examples) / len(examples),
            "picks": {f"{p}|{t}|{s}|{n}": v["picks"] for (p, t, s, n), v in systems.items()
                      if n == drafts}}


def refine(examples, pool: DraftPool, store: LogprobStore, policy: str, trim: bool,
           selector: str, drafts: int) -> dict:
    """Layer 2 a base model can do: the layer-1 pick joins the profile as the user's newest
    past text and the proposer writes again (no instruction to revise); the same selector then
    picks among the layer-2 drafts, or among them plus the layer-1 pick."""
    select = SELECTORS[selector]
    store.compute = selector in LOGPROB_SELECTORS  # no scoring passes a selector won't read
    examples = [ex for ex in examples if (ex.id, policy, 1) in pool.lines]
    # Equal compute: 2 × drafts from layer 1 alone (the pool holds up to 8).
    equal = f"layer 1 pick of {2 * drafts} (same LM calls)"
    rows: dict[str, list[dict]] = {"layer 1 pick": [], equal: [], "layer 2 first draft": [],
                                   "layer 2 pick": [], "layer 2 pick incl. layer-1 pick": []}
    words: dict[str, list[int]] = {name: [] for name in rows}
    for n, ex in enumerate(examples, 1):
        c1 = candidates(ex, pool.lines[ex.id, policy, 1], trim, store, pool)
        i = select(c1, drafts)
        chosen = c1.texts[i] if i is not None else ""
        rec = pool.get(ex, policy, layer=2, previous=chosen or None)
        log.info("refine %d/%d %s draft s=%s", n, len(examples), ex.id, rec["seconds"])
        if store.compute:
            score_all([ex], pool, [policy], store, layer=2)
        c2 = candidates(ex, rec, trim, store, pool)
        both = Candidates(id=ex.id, texts=[chosen, *c2.texts], user_words=c2.user_words,
                          lp_profile=[c1.lp_profile[i] if i is not None else None,
                                      *c2.lp_profile],
                          lp_query=[c1.lp_query[i] if i is not None else None, *c2.lp_query])
        j, k = select(c2, drafts), select(both, drafts + 1)
        e = select(c1, 2 * drafts)
        for name, text in (("layer 1 pick", chosen),
                           (equal, c1.texts[e] if e is not None else ""),
                           ("layer 2 first draft", c2.texts[0]),
                           ("layer 2 pick", c2.texts[j] if j is not None else ""),
                           ("layer 2 pick incl. layer-1 pick",
                            both.texts[k] if k is not None else "")):
            rows[name].append(score_pair(text, ex.output))
            words[name].append(len(text.split()))
    base = rows["layer 1 pick"]
    out = {"policy": policy, "trim": trim, "selector": selector, "n_examples": len(base),
           "equal_compute": equal, "systems": {}}
    for name, values in rows.items():
        out["systems"][name] = {
            **{m: sum(r[m] for r in values) / len(values) for m in METRICS},
            "words": sum(words[name]) / len(values),
            **{f"d_{m}_vs_{tag}": ci([r[m] for r in values], [r[m] for r in ref])
               for m in ("meteor", "rougeL")
               for tag, ref in (("layer1", base), ("equal", rows[equal]))}}
    return out


def refine_markdown(result: dict) -> str:
    lines = [f"### Refinement probe ({result['selector']}, {result['policy']}, trim "
             f"{'on' if result['trim'] else 'off'}, n = {result['n_examples']})", "",
             "| system | METEOR | ROUGE-L | words | ΔM vs layer-1 pick | ΔRL vs layer-1 pick | "
             "ΔM vs same-calls layer 1 | ΔRL vs same-calls layer 1 |", "|---" * 8 + "|"]
    for name, r in result["systems"].items():
        lines.append(f"| {name} | {r['meteor']:.3f} | {r['rougeL']:.3f} | {r['words']:.0f} | "
                     f"{_d(r['d_meteor_vs_layer1'])} | {_d(r['d_rougeL_vs_layer1'])} | "
                     f"{_d(r['d_meteor_vs_equal'])} | {_d(r['d_rougeL_vs_equal'])} |")
    return "\n".join(lines)


def _d(interval: dict) -> str:
    mark = "*" if interval["low"] > 0 or interval["high"] < 0 else ""
    return f"{interval['estimate']:+.3f} [{interval['low']:+.3f},{interval['high']:+.3f}]{mark}"


def markdown(result: dict, drafts: int) -> str:
    cl = result["copy_latest"]
    lines = [f"n = {result['n_examples']} examples (selection half). copy-latest: METEOR "
             f"{cl['meteor']:.3f}, ROUGE-L {cl['rougeL']:.3f}, {cl['words']:.0f} words. "
             f"References: {result['reference_words']:.0f} words on average. "
             "Deltas are paired bootstrap 95% CIs; * = excludes 0." + (
                 f" No log-probability selectors for {', '.join(result['unscored_policies'])}"
                 " (drafts not all scored)." if result["unscored_policies"] else ""), "",
             "| policy | mean max_tokens | empty drafts | drafts that hit max_tokens | words "
             "(non-empty) | s per draft (incl. cache hits) |", "|---|---|---|---|---|---|",
             *(f"| {p} | {d['mean_max_tokens']:.0f} | {d['empty']:.0%} | "
               f"{d['hit_max_tokens']:.0%} | {d['mean_words_nonempty']:.0f} | "
               f"{d['seconds_per_draft']:.2f} |" for p, d in result["drafts"].items()), "",
             f"### N = {drafts} drafts", "",
             "| policy | trim | selector | METEOR | ROUGE-L | ROUGE-1 | words (user) | "
             "ΔM vs RAG same policy | ΔRL vs RAG | ΔM vs longest | ΔRL vs longest | "
             "ΔM vs copy-latest | ΔRL vs copy-latest |", "|" + "---|" * 13]
    for r in result["rows"]:
        if r["n"] != drafts:
            continue
        lines.append(
            f"| {r['policy']} | {'on' if r['trim'] else 'off'} | {r['selector']} | "
            f"{r['meteor']:.3f} | {r['rougeL']:.3f} | {r['rouge1']:.3f} | "
            f"{r['words']:.0f} ({r['user_words']:.0f}) | {_d(r['d_meteor_vs_rag'])} | "
            f"{_d(r['d_rougeL_vs_rag'])} | {_d(r['d_meteor_vs_longest'])} | "
            f"{_d(r['d_rougeL_vs_longest'])} | {_d(r['d_meteor_vs_copy'])} | "
            f"{_d(r['d_rougeL_vs_copy'])} |")
    for metric in ("meteor", "rougeL"):
        lines += ["", f"### {metric} vs number of drafts n", "",
                  "| policy | trim | selector | " + " | ".join(f"n={n}" for n in
                                                          range(1, drafts + 1)) + " |",
                  "|" + "---|" * (drafts + 3)]
        curves: dict[tuple, dict] = {}
        for r in result["rows"]:
            curves.setdefault((r["policy"], r["trim"], r["selector"]), {})[r["n"]] = r[metric]
        for (policy, trim, name), curve in curves.items():
            lines.append(f"| {policy} | {'on' if trim else 'off'} | {name} | " + " | ".join(
                f"{curve[n]:.3f}" for n in range(1, drafts + 1)) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--drafts", type=int, default=8)
    parser.add_argument("--policies", default="user1.5,fixed256")
    parser.add_argument("--phase", default="all",
                        choices=("generate", "score", "report", "all", "refine"))
    parser.add_argument("--refine", default="user1.5,on,consensus-meteor",
                        help="policy,trim(on|off),selector of the refinement probe")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    selection, _ = selection_test_split(load_file(args.data), seed=args.seed)
    examples = selection[: args.limit]
    policies = args.policies.split(",")
    pool = DraftPool(out / "pool.jsonl", drafts=args.drafts)
    store = LogprobStore(out / "logprobs.jsonl")
    if args.phase in ("generate", "all"):
        generate(examples, pool, policies)
    if args.phase in ("score", "all"):
        score_all(examples, pool, policies, store)
    if args.phase in ("report", "all"):
        result = evaluate(examples, pool, policies, store, args.drafts)
        text = markdown(result, args.drafts)
        stem = out / f"report-n{len(examples)}"
        stem.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
        stem.with_suffix(".json").write_text(json.dumps(result, indent=1), encoding="utf-8")
        print(text)
    if args.phase == "refine":
        policy, trim, selector = args.refine.split(",")
        result = refine(examples, pool, store, policy, trim == "on", selector, args.drafts)
        text = refine_markdown(result)
        (out / "refine.md").write_text(text + "\n", encoding="utf-8")
        (out / "refine.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
        print(text)


if __name__ == "__main__":
    main()
