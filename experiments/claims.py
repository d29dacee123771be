"""The report's claims, each tested on an experiment's paired per-example METEOR scores.

A claim "A beats B" holds when the 95% interval of mean(A - B) lies above 0, fails when it lies
below, and is not separable from noise otherwise. Below ``SMALL_N`` examples even the BCa
interval is too narrow, so a claim is only called there when the sign-flip permutation test
(exact level) also gives p < 0.05. A claim whose systems did not run is listed with why.
"""

from __future__ import annotations

from dataclasses import dataclass

from mopa.experiments.table import EXPERIMENT as TABLE
from mopa.programs.presets import single_agent
from mopa.scoring.intervals import SMALL_N, paired_bootstrap, sign_flip_p

VERDICTS = {1: "holds", -1: "fails (the opposite is significant)", 0: "not separable from noise"}
ALPHA = 0.05
INDIVIDUAL = ("copy-latest", "rag", "planpers")  # the systems without agents


@dataclass(frozen=True)
class Claim:
    text: str
    verdict: str | None  # None: not tested
    evidence: str  # the interval (and p-value), or why the claim was not tested


def verdict(system: list[float], baseline: list[float]) -> tuple[str, str]:
    """(verdict, evidence) for "system beats baseline"."""
    iv = paired_bootstrap(system, baseline)
    sign = iv.sign
    evidence = f"{iv} ({iv.method}, n = {iv.n})"
    if iv.n < SMALL_N:
        p = sign_flip_p(system, baseline)
        evidence += f", sign-flip p = {p:.3f}"
        if p >= ALPHA:
            sign = 0
    return VERDICTS[sign], evidence


def _labels(entries: list[dict]) -> dict[str, str]:
    """Preset -> label, for systems that ran and for declared ones that did not."""
    return {s.preset: s.label for s in TABLE.systems} | {e["preset"]: e["label"] for e in entries}


def _not_run(text: str, presets: list[str], labels: dict[str, str]) -> Claim:
    names = ", ".join(f"{labels[p]} (`{p}`)" for p in presets)
    return Claim(text, None, f"not run in this experiment: {names}")


def _compare(text: str, by: dict[str, dict], a: str, b: str, labels: dict[str, str]) -> Claim:
    missing = [p for p in (a, b) if p not in by]
    if missing:
        return _not_run(text, missing, labels)
    result, evidence = verdict(by[a]["scores"]["meteor"], by[b]["scores"]["meteor"])
    return Claim(text, result, f"ΔMETEOR {labels[a]} − {labels[b]} = {evidence}")


def table_claims(results: dict) -> list[Claim]:
    """The report's Table 1-3 claims."""
    by = {e["preset"]: e for e in results["systems"]}
    labels = _labels(results["systems"])
    presets = list(dict.fromkeys([s.preset for s in TABLE.systems] + list(by)))
    pairs = [("PlanPers beats RAG-Personalized", "planpers", "rag")]
    pairs += [(f"{labels[p]} beats RAG-Personalized", p, "rag") for p in presets
              if p not in INDIVIDUAL]
    pairs += [("Planner MoPA beats PlanPers", "planner-mopa", "planpers"),
              ("Planner MoPA beats RAG MoPA (planning helps)", "planner-mopa", "rag-mopa"),
              ("MoPA-AD beats Planner MoPA (agent diversity helps)", "mopa-ad", "planner-mopa"),
              ("Role-Planner MoPA beats Planner MoPA (roles help)", "role-planner-mopa",
               "planner-mopa")]
    pairs += [(f"{labels[p]} beats copying the user's latest text", p, "copy-latest")
              for p in presets if p != "copy-latest"]
    return [_compare(text, by, a, b, labels) for text, a, b in pairs]


def depth_claims(results: dict) -> list[Claim]:
    """Figure 3: the biggest gain is from the individual system to layer 1; later layers add
    little. Tested as paired differences between consecutive depths, for every layered system
    (depth 0 = the single-agent system it starts from)."""
    by = {e["preset"]: e for e in results["systems"]}
    labels = _labels(results["systems"])
    layered = [e for e in results["systems"] if e["layer_scores"]]
    if not layered:
        return [_not_run("Each layer improves on the one before", ["rag-mopa"], labels)]
    claims = []
    for entry in layered:
        individual = single_agent(entry["preset"])
        text = f"{entry['label']}: each layer improves on the one before"
        if individual not in by:
            claims.append(_not_run(text, [individual], labels))
            continue
        layers = [by[individual]["scores"]] + entry["layer_scores"]
        for d in range(1, len(layers)):
            result, evidence = verdict(layers[d]["meteor"], layers[d - 1]["meteor"])
            start = "individual" if d == 1 else f"layer {d - 1}"
            claims.append(Claim(f"{entry['label']}: layer {d} improves on {start}", result,
                                f"ΔMETEOR = {evidence}"))
    return claims


def aggregator_claims(results: dict) -> list[Claim]:
    """Issue 10's targets, on METEOR and on ROUGE-L (F1, which does not reward length alone):
    each MoPA row against RAG-Personalized under the same length policy, the `longest`
    control, and copy-latest."""
    by = {e["label"]: e for e in results["systems"]}
    claims = []
    for entry in results["systems"]:
        if not entry["label"].startswith("MoPA ") or entry["label"] == "MoPA longest":
            continue
        for baseline in ("RAG-Personalized", "MoPA longest", "copy-latest"):
            for metric, name in (("meteor", "METEOR"), ("rougeL", "ROUGE-L")):
                text = f"{entry['label']} beats {baseline} on {name}"
                if baseline not in by:
                    claims.append(Claim(text, None, f"not run in this experiment: {baseline}"))
                    continue
                result, evidence = verdict(entry["scores"][metric], by[baseline]["scores"][metric])
                claims.append(Claim(text, result, f"Δ{name} = {evidence}"))
    return claims


def agents_claims(results: dict) -> list[Claim]:
    """Figure 2: more agents score higher. Per family, the most agents against one agent."""
    families: dict[str, list[dict]] = {}
    for entry in results["systems"]:
        if " N=" in entry["label"]:
            families.setdefault(entry["label"].split(" N=")[0], []).append(entry)
    claims = []
    for family, entries in families.items():
        entries = sorted(entries, key=lambda e: e["agents"])
        low, high = entries[0], entries[-1]
        text = f"{family}: {high['agents']} agents beat {low['agents']} on METEOR"
        if low is high:
            claims.append(Claim(text, None, "only one agent count ran"))
            continue
        result, evidence = verdict(high["scores"]["meteor"], low["scores"]["meteor"])
        claims.append(Claim(text, result, f"ΔMETEOR = {evidence}"))
    return claims


def systems_claims(results: dict, chosen: str = "fusion") -> list[Claim]:
    """Does the aggregator chosen on the selection half (fusion) repair every MoPA system?
    Per system: it beats the same system with the report's LLM merge (METEOR), and it beats
    RAG-Personalized under the same length policy (METEOR and ROUGE-L)."""
    by = {e["label"]: e for e in results["systems"]}
    claims = []
    for entry in results["systems"]:
        if not entry["label"].endswith(f" ({chosen})"):
            continue
        system = entry["label"][: -len(f" ({chosen})")]
        pairs = [(f"{system}: {chosen} beats merge on METEOR", f"{system} (merge)", "meteor"),
                 (f"{system} ({chosen}) beats RAG-Personalized on METEOR", "RAG-Personalized",
                  "meteor"),
                 (f"{system} ({chosen}) beats RAG-Personalized on ROUGE-L", "RAG-Personalized",
                  "rougeL")]
        for text, baseline, metric in pairs:
            if baseline not in by:
                claims.append(Claim(text, None, f"not run in this experiment: {baseline}"))
                continue
            result, evidence = verdict(entry["scores"][metric], by[baseline]["scores"][metric])
            name = "METEOR" if metric == "meteor" else "ROUGE-L"
            claims.append(Claim(text, result, f"Δ{name} = {evidence}"))
    return claims
