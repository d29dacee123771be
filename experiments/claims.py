"""The report's claims, each tested on an experiment's paired per-example scores, per metric.

A claim "A beats B" holds when the 95% interval of mean(A - B) lies above 0, fails when it lies
below, and is not separable from noise otherwise. Below ``SMALL_N`` examples even the BCa
interval is too narrow, so a claim is only called there when the sign-flip permutation test
(exact level) also gives p < 0.05. A claim whose systems did not run is listed once, with why.

Claims find their systems by what they are: the records results.json keeps (preset, structure,
options; see ``System``) and the preset table's properties. A label only names a system in a
claim's text. Every claim is tested on each metric of ``metrics``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from mopa.experiments import agents, aggregators, depth, systems, table
from mopa.experiments.spec import Experiment, System
from mopa.programs.presets import PRESETS, single_agent
from mopa.scoring.intervals import SMALL_N, paired_bootstrap, sign_flip_p
from mopa.scoring.registry import get_metric

VERDICTS = {1: "holds", -1: "fails (the opposite is significant)", 0: "not separable from noise"}
ALPHA = 0.05
# What every claim is tested on unless told otherwise: both lenses, the benchmark's (METEOR,
# ROUGE-L) and the blind readers' (reader), since the two can disagree.
METRICS = ("meteor", "rougeL", "reader")
BASELINE = "rag"  # the report's baseline: RAG-Personalized
LENGTH_CONTROL = "longest"  # the aggregator that keeps the longest draft: what length alone buys
REPORT_AGGREGATOR = "merge"  # the report's: an LM merges the drafts

Ran = tuple[System, dict]  # a system and its results.json entry


@dataclass(frozen=True)
class Claim:
    text: str
    verdict: str | None  # None: not tested
    evidence: str  # the interval (and p-value), or why the claim was not tested
    metric: str | None = None  # what it was tested on (None: not tested)


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


def _name(metric: str) -> str:
    return get_metric(metric).label


def _tested(text: str, a: dict, b: dict, metrics: tuple[str, ...],
            between: str = "") -> list[Claim]:
    """"``text`` on METRIC" for each metric, from the paired per-example scores ``a``, ``b``."""
    claims = []
    for metric in metrics:
        if metric not in a or metric not in b:  # results.json written before it was scored
            claims.append(Claim(f"{text} on {_name(metric)}", None,
                                f"not scored in these results: rerun the experiment (its "
                                f"systems resume from their outputs) to score {metric}"))
            continue
        result, evidence = verdict(a[metric], b[metric])
        claims.append(Claim(f"{text} on {_name(metric)}", result,
                            f"Δ{_name(metric)}{between} = {evidence}", metric))
    return claims


def _not_run(text: str, missing: list[System]) -> Claim:
    names = ", ".join(f"{s.label} (`{s.preset}`)" for s in missing)
    return Claim(text, None, f"not run in this experiment: {names}")


def ran_systems(results: dict, experiment: Experiment) -> list[Ran]:
    return [(experiment.system_of(e), e) for e in results["systems"]]


def _find(match: Callable[[System], bool], ran: list[Ran],
          experiment: Experiment) -> tuple[System | None, dict | None]:
    """The first system that ran and matches, with its entry; else a declared one that did
    not run (entry None); else (None, None)."""
    for system, entry in ran:
        if match(system):
            return system, entry
    return next((s for s in experiment.systems if match(s)), None), None


def _shares_settings(system: System, baseline: System) -> bool:
    """Every option ``baseline`` sets, ``system`` sets alike (the same length policy, ...)."""
    return set(baseline.options) <= set(system.options)


def _structure(system: System, aggregator: str | None) -> tuple:
    return (system.preset, system.agents, system.layers, system.roles, system.rag_agents,
            frozenset({**system.settings, "aggregator": aggregator}.items()))


def _with_aggregator(system: System, aggregator: str) -> Callable[[System], bool]:
    """Matches the same system with ``aggregator`` instead."""
    return lambda other: _structure(other, other.aggregator) == _structure(system, aggregator)


def _preset_with_settings(preset: str, system: System) -> Callable[[System], bool]:
    return lambda other: other.preset == preset and _shares_settings(system, other)


def baseline_of(system: System, ran: list[Ran],
                experiment: Experiment) -> tuple[System | None, dict | None]:
    """RAG-Personalized under the settings ``system`` shares with it (the same length policy),
    with its entry, as ``_find`` returns it."""
    return _find(_preset_with_settings(BASELINE, system), ran, experiment)


def _compare(text: str, a: tuple, b: tuple, metrics: tuple[str, ...],
             between: str = "") -> list[Claim]:
    """``a`` beats ``b`` (each a (system, entry) from ``_find``) on every metric, or one claim
    saying which did not run."""
    missing = [s for s, entry in (a, b) if entry is None]
    if missing:
        return [_not_run(text, missing)]
    return _tested(text, a[1]["scores"], b[1]["scores"], metrics, between)


def table_claims(results: dict, experiment: Experiment = table.EXPERIMENT,
                 metrics: tuple[str, ...] = METRICS) -> list[Claim]:
    """The report's Table 1-3 claims, between presets (the first system of each)."""
    ran = ran_systems(results, experiment)
    presets = list(dict.fromkeys([s.preset for s in experiment.systems] +
                                 [s.preset for s, _ in ran]))

    def of(preset):
        found = _find(lambda s: s.preset == preset, ran, experiment)
        return found if found[0] else (System(PRESETS[preset].label, preset), None)

    def label(preset):
        return of(preset)[0].label

    pairs = [("planpers", BASELINE, "")]
    pairs += [(p, BASELINE, "") for p in presets if PRESETS[p].layered]
    pairs += [("planner-mopa", "planpers", ""),
              ("planner-mopa", "rag-mopa", " (planning helps)"),
              ("mopa-ad", "planner-mopa", " (agent diversity helps)"),
              ("role-planner-mopa", "planner-mopa", " (roles help)")]
    pairs += [(p, b, "") for b in presets if not PRESETS[b].needs_lm
              for p in presets if PRESETS[p].needs_lm]
    claims = []
    for a, b, why in pairs:
        text = f"{label(a)} beats {label(b)}{why}"
        claims += _compare(text, of(a), of(b), metrics, f" {label(a)} − {label(b)}")
    return claims


def depth_claims(results: dict, experiment: Experiment = depth.EXPERIMENT,
                 metrics: tuple[str, ...] = METRICS) -> list[Claim]:
    """Figure 3: the biggest gain is from the individual system to layer 1; later layers add
    little. Tested as paired differences between consecutive depths, for every layered system
    (depth 0 = the single-agent program its agents each are, under the same settings)."""
    ran = ran_systems(results, experiment)
    layered = [(s, e) for s, e in ran if e["layer_scores"]]
    if not layered:
        declared = [s for s in experiment.systems if PRESETS[s.preset].layered]
        return [_not_run("Each layer improves on the one before", declared)]
    claims = []
    for system, entry in layered:
        start = single_agent(system.preset)
        individual = _find(_preset_with_settings(start, system), ran, experiment)
        if individual[1] is None:
            missing = individual[0] or System(PRESETS[start].label, start)
            claims.append(_not_run(f"{system.label}: each layer improves on the one before",
                                   [missing]))
            continue
        layers = [individual[1]["scores"]] + entry["layer_scores"]
        for d in range(1, len(layers)):
            before = individual[0].label if d == 1 else f"layer {d - 1}"
            claims += _tested(f"{system.label}: layer {d} beats {before}", layers[d],
                              layers[d - 1], metrics)
    return claims


def aggregator_claims(results: dict, experiment: Experiment = aggregators.EXPERIMENT,
                      metrics: tuple[str, ...] = METRICS) -> list[Claim]:
    """Each MoPA system against RAG-Personalized under the same settings (length policy), the
    same system with the `longest` length control, and the no-LM baseline."""
    ran = ran_systems(results, experiment)
    claims = []
    for system, entry in ran:
        if not PRESETS[system.preset].layered or system.aggregator == LENGTH_CONTROL:
            continue
        for match in (_preset_with_settings(BASELINE, system),
                      _with_aggregator(system, LENGTH_CONTROL),
                      lambda s: not PRESETS[s.preset].needs_lm):
            baseline = _find(match, ran, experiment)
            if baseline[0] is not None:
                claims += _compare(f"{system.label} beats {baseline[0].label}",
                                   (system, entry), baseline, metrics)
    return claims


def agents_claims(results: dict, experiment: Experiment = agents.EXPERIMENT,
                  metrics: tuple[str, ...] = METRICS) -> list[Claim]:
    """Figure 2: more agents score higher. Per family (systems that differ only in their agent
    count), the most agents against the fewest."""
    families: dict[tuple, list[Ran]] = {}
    for system, entry in ran_systems(results, experiment):
        if PRESETS[system.preset].layered:
            family = _structure(replace(system, agents=None), system.aggregator)
            families.setdefault(family, []).append((system, entry))
    claims = []
    for members in families.values():
        members = sorted(members, key=lambda m: m[1]["agents"])
        (first, low), (_, high) = members[0], members[-1]
        family = PRESETS[first.preset].label + (f" ({first.aggregator})"
                                                if first.aggregator else "")
        text = f"{family}: {high['agents']} agents beat {low['agents']}"
        if low is high:
            claims.append(Claim(text, None, "only one agent count ran"))
            continue
        claims += _tested(text, high["scores"], low["scores"], metrics)
    return claims


# The aggregators chosen on the review selection half: by the reader lens (reader, the base
# model's default; reader_fusion, the reader metric's best) and by METEOR (fusion).
CHOSEN = ("reader", "reader_fusion", "fusion")


def systems_claims(results: dict, experiment: Experiment = systems.EXPERIMENT,
                   metrics: tuple[str, ...] = METRICS,
                   chosen: tuple[str, ...] = CHOSEN) -> list[Claim]:
    """Does an aggregator chosen on the selection half repair every MoPA system? Per system
    and chosen aggregator: it beats the same system with the report's LLM merge, and it beats
    RAG-Personalized under the same settings (length policy)."""
    ran = ran_systems(results, experiment)
    claims = []
    for system, entry in ran:
        if not PRESETS[system.preset].layered or system.aggregator not in chosen:
            continue
        name = PRESETS[system.preset].label
        merged = _find(_with_aggregator(system, REPORT_AGGREGATOR), ran, experiment)
        if merged[0] is not None:
            claims += _compare(f"{name}: {system.aggregator} beats {REPORT_AGGREGATOR}",
                               (system, entry), merged, metrics)
        baseline = _find(_preset_with_settings(BASELINE, system), ran, experiment)
        if baseline[0] is not None:
            claims += _compare(f"{system.label} beats {baseline[0].label}", (system, entry),
                               baseline, metrics)
    return claims
