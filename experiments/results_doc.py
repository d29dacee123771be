"""Write ``docs/results.md`` from experiment outputs, so no number is ever copied by hand.

    mopa results --runs runs/experiments --doc docs/results.md [--notes context.md]

Reads ``<runs>/<experiment>/results.json`` for every experiment that has run (and
``<runs>/<group>/<experiment>/results.json``: one group per task or data file, each its own
section), recomputes every
interval from the saved per-example scores (so all sections use the current statistics),
copies the figures next to the document, prints the commands that reproduce each system, and
states for each of the report's claims whether it holds, fails, or cannot be separated from
noise on these examples, or why it was not tested.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from mopa.experiments import EXPERIMENTS
from mopa.experiments.ceiling import ceiling_table, fill_drafts
from mopa.experiments.choose import CHOICE_FILE, describe
from mopa.experiments.claims import (
    ALPHA,
    METRICS,
    Claim,
    agents_claims,
    aggregator_claims,
    depth_claims,
    systems_claims,
    table_claims,
)
from mopa.experiments.command import experiment_argv
from mopa.experiments.compare import add_intervals
from mopa.experiments.compile_table import compile_section
from mopa.experiments.markdown import aggregator_grid, layer_table, results_table
from mopa.experiments.readings import readings_section
from mopa.jsonl import read_json
from mopa.scoring.intervals import SMALL_N

# Which claims each experiment tests: by experiment name, else by kind.
CLAIMS = {"table": table_claims, "depth": depth_claims, "agents": agents_claims,
          "aggregators": aggregator_claims, "systems": systems_claims}


def portable(value: str) -> str:
    """An absolute path as a path relative to the working directory (where the document's
    commands are run from); anything else unchanged. So the document names no directory of
    the machine that wrote it."""
    return os.path.relpath(value) if os.path.isabs(value) else value


def _commands(results: dict, runs: str) -> list[str]:
    """One line per command that produced systems, with the systems it produced. Results
    saved before commands were recorded get one rebuilt from their settings: they then hold
    exactly the systems of their last run, so naming those with --systems reproduces them."""
    groups: dict[tuple, list[str]] = {}
    for e in results["systems"]:
        groups.setdefault(tuple(e.get("command") or ()), []).append(e["label"])
    lines = []
    for argv, labels in groups.items():
        note = ""
        if not argv:
            old = [e for e in results["systems"] if not e.get("command")]
            counts = ",".join(str(n) for n in sorted({e["agents"] for e in old}))
            argv = experiment_argv(
                results["settings"], ",".join(dict.fromkeys(e["preset"] for e in old)),
                counts if results["kind"] == "agents" else None, runs)
            note = " (rebuilt from the saved settings: this run predates recording commands)"
        lines.append(f"  - `{shlex.join(map(portable, argv))}` → {', '.join(labels)}{note}")
    return lines


def section(name: str, results: dict, runs: str, figures_dir: Path, doc_dir: Path,
            metrics: tuple[str, ...] = METRICS,
            choice: dict | None = None) -> tuple[str, list[Claim]]:
    settings = results["settings"]
    kind = settings["experiment"]
    experiment = EXPERIMENTS[kind]
    add_intervals(results["systems"], experiment.baselines)
    lines = [f"## `{name}` — {results['description']}", "",
             f"- Data: `{portable(settings['data'])}`, n = {settings['n']} examples "
             f"(selection: {settings['selection']}, skip: {settings.get('skip', 0)}, limit: "
             f"{settings['limit']}, seed: {settings['seed']})",
             f"- LM: `{settings['lm']}` (temperature {settings['temperature']}, max tokens "
             f"{settings['max_tokens']}); -MD proposers: `{', '.join(settings['md_lms'])}`",
             f"- Structure: {settings['agents']} agents × {settings['layers']} layers; "
             f"BM25 k = {settings['k']}, items cut to {settings['max_words']} words; outputs "
             f"{'rule-cleaned' if settings['clean'] else 'raw'} before scoring",
             "- Commands (each produced the systems after its arrow):", *_commands(results, runs),
             "", "Metrics are means with 95% bootstrap CIs; Δ columns are paired-bootstrap 95% CIs "
             "of the per-example difference (* = excludes 0). *empty* counts final outputs that "
             "are empty after cleaning (failed examples included); they score 0 and count in "
             "every mean. Tokens count only LM calls that missed the cache (a call an earlier "
             "run already made costs none).", "",
             results_table(results), ""]
    if results["kind"] in ("depth", "agents"):
        lines += ["Per-layer metrics:", "", layer_table(results), ""]
    if kind == "systems":
        lines += ["The same rows as a grid of means (one row per system, one column per "
                  "aggregator):", "", aggregator_grid(results, experiment), ""]
    fill_drafts(results, Path(runs) / name)
    ceiling = ceiling_table(results, experiment)
    if ceiling:
        lines += ["How far a choice among the drafts could go: each draft scored against the "
                  "user's real text, their mean (a random pick) and their best (an oracle that "
                  "reads the reference; no system can). Where the best draft does not beat "
                  "RAG-Personalized, no aggregator that picks a draft can; better drafts are "
                  "what to change.", "", ceiling, ""]
    if choice:  # `mopa choose` ran on this selection run
        lines += [*describe(choice), ""]
    for fig in results.get("figures", []):
        target = figures_dir / f"{name.replace('/', '-')}-{Path(fig).name}"
        shutil.copyfile(fig, target)
        lines += [f"![{name}]({target.relative_to(doc_dir).as_posix()})", ""]
    claimed = CLAIMS.get(kind, CLAIMS.get(results["kind"]))
    claims = claimed(results, experiment, metrics) if claimed else []
    tested = [c for c in claims if c.verdict]
    if tested:
        lines += ["| Claim | Verdict on this data | Evidence |", "|---|---|---|"]
        lines += [f"| {c.text} | {c.verdict} | {c.evidence} |" for c in tested]
        lines.append("")
    skipped = [c for c in claims if not c.verdict]
    if skipped:
        lines += ["Claims not tested here:", ""]
        lines += [f"- {c.text}: {c.evidence}" for c in skipped]
        lines.append("")
    return "\n".join(lines), claims


def statistics(all_results: dict[str, dict], claims: dict[str, list[Claim]]) -> str:
    """How the intervals and verdicts were computed, and how many comparisons were made."""
    small = [f"`{name}`: n = {r['settings']['n']}" for name, r in all_results.items()
             if r["settings"]["n"] < SMALL_N]
    text = ("**Statistics.** Metrics are per-example means with 95% bootstrap intervals (10,000 "
            "resamples, seeded); every Δ is a paired bootstrap of the per-example difference "
            "over the same examples. A claim \"A beats B\" holds when the interval of A − B "
            "lies above 0, fails when it lies below, and is not separable from noise otherwise.")
    if small:
        text += (f" Below {SMALL_N} examples ({'; '.join(small)}) the intervals are BCa "
                 "(bias-corrected and accelerated) instead of percentile; even so, at such n "
                 "bootstrap intervals cover less than 95% (about 90% at n = 10), so there a "
                 "claim is only called when the paired sign-flip permutation test, whose level "
                 f"is exact, also gives p < {ALPHA}.")
    counts = {name: sum(1 for c in cs if c.verdict) for name, cs in claims.items()}
    total = sum(counts.values())
    intervals = sum(len(vs) for r in all_results.values() for e in r["systems"]
                    for vs in e["vs"].values())
    per = ", ".join(f"`{name}`: {k}" for name, k in counts.items() if k)
    text += (f"\n\n**Multiple comparisons.** This document tests {total} claims"
             f"{f' ({per})' if per else ''} and shows {intervals} Δ intervals in its tables, "
             f"each at the {1 - ALPHA:.0%} level with no correction for multiple comparisons: "
             f"even if no system differed from any other, about {total * ALPHA:.2f} \"holds\" or "
             "\"fails\" verdicts would be expected by chance alone.")
    return text


def write_results(runs: str = "runs/experiments", out: str = "docs/results.md",
                  notes: str | None = None, metrics: tuple[str, ...] = METRICS) -> Path:
    """The document, each claim tested on each of ``metrics``."""
    root = Path(runs)
    found = sorted(root.glob("*/results.json")) + sorted(root.glob("*/*/results.json"))
    if not found:
        raise FileNotFoundError(f"no experiment results under {runs}; run `mopa experiment "
                                "NAME --data ...` first")
    # errors name the file
    all_results = {p.parent.relative_to(root).as_posix(): read_json(p) for p in found}
    out_path = Path(out)
    figures = out_path.parent / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    sections, claims = [], {}
    for name, results in all_results.items():
        choice_file = root / name / CHOICE_FILE
        choice = read_json(choice_file) if choice_file.exists() else None
        text, claims[name] = section(name, results, runs, figures, out_path.parent, metrics,
                                     choice)
        sections.append(text)
    command = ["mopa", "results", "--runs", runs, "--doc", out] + (
        ["--notes", notes] if notes else [])
    command = [portable(arg) for arg in command]
    parts = ["# Results", "", f"Generated by `{shlex.join(command)}` from the run outputs; "
             "do not edit by hand.", ""]
    if notes:
        parts += [Path(notes).read_text(encoding="utf-8").strip(), ""]
    parts += [statistics(all_results, claims), "", *sections]
    compiled = compile_section(runs)
    if compiled:
        parts += [compiled]
    read = readings_section(runs)
    if read:
        parts += [read]
    out_path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return out_path
