"""Write ``docs/results.md`` from experiment outputs, so no number is ever copied by hand.

    mopa results --runs runs/experiments --out docs/results.md

Reads ``<runs>/<experiment>/results.json`` for every experiment that has run, copies its
figures next to the document, and states for each of the report's claims whether it holds,
fails, or cannot be separated from noise (paired bootstrap, 95%) on these examples.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mopa.bootstrap import paired_bootstrap
from mopa.experiments.tables import layer_table, results_table

VERDICTS = {1: "holds", -1: "fails (the opposite is significant)", 0: "not separable from noise"}


def _verdict(a: list[float], b: list[float]) -> tuple[str, dict]:
    iv = paired_bootstrap(a, b)
    sign = 1 if iv.low > 0 else -1 if iv.high < 0 else 0
    return VERDICTS[sign], iv.as_dict()


def _fmt(iv: dict) -> str:
    return f"{iv['estimate']:+.4f} [{iv['low']:+.4f}, {iv['high']:+.4f}]"


def table_claims(results: dict) -> list[tuple[str, str, str]]:
    """(claim, verdict, evidence) for the report's Table 1-3 claims, on METEOR."""
    by = {e["preset"]: e for e in results["systems"]}
    claims = []

    def compare(claim: str, a: str, b: str) -> None:
        if a in by and b in by:
            verdict, iv = _verdict(by[a]["scores"]["meteor"], by[b]["scores"]["meteor"])
            claims.append((claim, verdict, f"ΔMETEOR {by[a]['label']} − {by[b]['label']} = "
                                            f"{_fmt(iv)}"))

    compare("PlanPers beats RAG-Personalized", "planpers", "rag")
    for e in results["systems"]:
        if e["agents"]:
            compare(f"{e['label']} beats RAG-Personalized", e["preset"], "rag")
    compare("Planner MoPA beats PlanPers", "planner-mopa", "planpers")
    compare("Planner MoPA beats RAG MoPA (planning helps)", "planner-mopa", "rag-mopa")
    compare("MoPA-AD beats Planner MoPA (agent diversity helps)", "mopa-ad", "planner-mopa")
    compare("Role-Planner MoPA beats Planner MoPA (roles help)", "role-planner-mopa",
            "planner-mopa")
    for e in results["systems"]:
        if e["preset"] != "copy-latest":
            compare(f"{e['label']} beats copying the user's latest text", e["preset"],
                    "copy-latest")
    return claims


def depth_claims(results: dict) -> list[tuple[str, str, str]]:
    """Figure 3: the biggest gain is from the individual system to layer 1; later layers add
    little. Tested as paired differences between consecutive depths."""
    by = {e["preset"]: e for e in results["systems"]}
    claims = []
    for preset, individual in (("rag-mopa", "rag"), ("planner-mopa", "planpers")):
        if preset not in by or individual not in by or not by[preset]["layer_scores"]:
            continue
        layers = [by[individual]["scores"]] + by[preset]["layer_scores"]
        for d in range(1, len(layers)):
            verdict, iv = _verdict(layers[d]["meteor"], layers[d - 1]["meteor"])
            start = "individual" if d == 1 else f"layer {d - 1}"
            claims.append((f"{by[preset]['label']}: layer {d} improves on {start}", verdict,
                           f"ΔMETEOR = {_fmt(iv)}"))
    return claims


def _command(settings: dict) -> str:
    parts = [f"mopa experiment {settings['experiment']} --data {settings['data']}",
             f"--lm {settings['lm']}", f"--agents {settings['agents']}",
             f"--layers {settings['layers']}", f"--k {settings['k']}",
             f"--max-words {settings['max_words']}", f"--max-tokens {settings['max_tokens']}",
             f"--temperature {settings['temperature']}"]
    if settings.get("limit"):
        parts.append(f"--limit {settings['limit']} --selection {settings['selection']}")
    return " ".join(parts)


def section(name: str, results: dict, figures_dir: Path, doc_dir: Path) -> str:
    settings = results["settings"]
    lines = [f"## `{name}` — {results['description']}", "",
             f"- Data: `{settings['data']}`, n = {settings['n']} examples "
             f"(selection: {settings['selection']}, limit: {settings['limit']})",
             f"- LM: `{settings['lm']}` (temperature {settings['temperature']}, max tokens "
             f"{settings['max_tokens']}); -MD proposers: `{', '.join(settings['md_lms'])}`",
             f"- Structure: {settings['agents']} agents × {settings['layers']} layers; "
             f"BM25 k = {settings['k']}, items cut to {settings['max_words']} words; outputs "
             f"{'rule-cleaned' if settings['clean'] else 'raw'} before scoring",
             f"- Command: `{_command(settings)}`", "",
             "Metrics are means with 95% bootstrap CIs; Δ columns are paired-bootstrap 95% CIs "
             "of the per-example difference (* = excludes 0). Tokens count only LM calls that "
             "missed the cache (a call an earlier run already made costs none).", "",
             results_table(results), ""]
    if results["kind"] in ("depth", "agents"):
        lines += ["Per-layer metrics:", "", layer_table(results), ""]
    for fig in results.get("figures", []):
        target = figures_dir / f"{name}-{Path(fig).name}"
        shutil.copyfile(fig, target)
        lines += [f"![{name}]({target.relative_to(doc_dir).as_posix()})", ""]
    claims = table_claims(results) if results["kind"] == "table" else (
        depth_claims(results) if results["kind"] == "depth" else [])
    if claims:
        lines += ["| Claim (METEOR) | Verdict on this data | Evidence |", "|---|---|---|"]
        lines += [f"| {c} | {v} | {e} |" for c, v, e in claims]
        lines.append("")
    return "\n".join(lines)


def write_results(runs: str = "runs/experiments", out: str = "docs/results.md",
                  notes: str | None = None) -> Path:
    found = sorted(Path(runs).glob("*/results.json"))
    if not found:
        raise FileNotFoundError(f"no experiment results under {runs}; run `mopa experiment "
                                "NAME --data ...` first")
    out_path = Path(out)
    figures = out_path.parent / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    parts = ["# Results", "",
             f"Generated by `mopa results --runs {runs} --out {out}` from the run outputs; "
             "do not edit by hand.", ""]
    if notes:
        parts += [Path(notes).read_text(encoding="utf-8").strip(), ""]
    for path in found:
        results = json.loads(path.read_text(encoding="utf-8"))
        parts.append(section(path.parent.name, results, figures, out_path.parent))
    out_path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return out_path
