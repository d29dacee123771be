"""Claims read what each system is (its record and its preset's properties), never its label:
on synthetic per-example scores."""

import json

import numpy as np

from mopa.experiments import aggregators, spec
from mopa.experiments.claims import (
    agents_claims,
    aggregator_claims,
    depth_claims,
    systems_claims,
    table_claims,
    verdict,
)
from mopa.experiments.systems import EXPERIMENT as SYSTEMS
from mopa.experiments.systems import MOPA_PRESETS, ORDER


def _scores(rng, n: int, shift: float = 0.0) -> list[float]:
    return list(np.clip(rng.uniform(0.1, 0.3, n) + shift, 0, 1))


def test_verdicts_hold_fail_and_not_separable():
    rng = np.random.default_rng(0)
    base = np.array(_scores(rng, 60))
    better = base + 0.03 + rng.normal(0, 0.01, 60)
    assert verdict(list(better), list(base))[0] == "holds"
    assert verdict(list(base), list(better))[0] == "fails (the opposite is significant)"
    noise = base + rng.normal(0, 0.05, 60)
    text, evidence = verdict(list(noise), list(base))
    assert text == "not separable from noise" and "percentile, n = 60" in evidence


def test_small_samples_need_the_sign_flip_test_too():
    # 5 examples all better by 0.1: the BCa interval excludes 0, but no test on 5 pairs can
    # reach p < 0.05 (2 / 2**5 = 0.0625), so the claim is not called.
    text, evidence = verdict([0.3, 0.4, 0.5, 0.3, 0.2], [0.2, 0.3, 0.4, 0.2, 0.1])
    assert text == "not separable from noise"
    assert "bca, n = 5" in evidence and "sign-flip p = 0.06" in evidence
    rng = np.random.default_rng(1)
    base = np.array(_scores(rng, 12))
    assert verdict(list(base + 0.05 + rng.normal(0, 0.005, 12)), list(base))[0] == "holds"


def test_claims_of_systems_that_did_not_run_are_listed_once_with_why(entry):
    rng = np.random.default_rng(2)
    results = {"systems": [entry("RAG-Personalized", "rag", _scores(rng, 20)),
                           entry("PlanPers", "planpers", _scores(rng, 20))]}
    claims = {c.text: c for c in table_claims(results)}
    assert claims["PlanPers beats RAG-Personalized on METEOR"].metric == "meteor"
    assert claims["PlanPers beats RAG-Personalized on ROUGE-L"].verdict is not None
    skipped = claims["Planner MoPA beats PlanPers"]
    assert skipped.verdict is None and "Planner MoPA (`planner-mopa`)" in skipped.evidence
    assert claims["MoPA-AD beats RAG-Personalized"].verdict is None
    assert claims["PlanPers beats copy-latest"].evidence == (
        "not run in this experiment: copy-latest (`copy-latest`)")
    depth = depth_claims(results)
    assert [c.verdict for c in depth] == [None]  # no layered system ran
    assert "RAG MoPA (fusion, drafts refinement) (`rag-mopa`)" in depth[0].evidence


def test_claims_are_tested_on_the_metrics_they_are_given(entry):
    rng = np.random.default_rng(3)
    results = {"systems": [entry("RAG-Personalized", "rag", _scores(rng, 20)),
                           entry("PlanPers", "planpers", _scores(rng, 20))]}
    tested = [c for c in table_claims(results, metrics=("rouge1",)) if c.verdict]
    assert [c.text for c in tested] == ["PlanPers beats RAG-Personalized on ROUGE-1"]
    assert tested[0].evidence.startswith("ΔROUGE-1 PlanPers − RAG-Personalized = ")


def test_depth_starts_every_planning_system_from_planpers(entry):
    # Role- and Multi-Planner MoPA plan (their names do not start with "planner"): their
    # layer 1 is compared with PlanPers, which it equals here, not with the far lower RAG.
    rng = np.random.default_rng(0)
    planpers = list(rng.uniform(0.2, 0.3, 40))
    rag = [v - 0.1 for v in planpers]
    def ran(label, preset, scores, **layered):
        return entry(label, preset, scores, system=spec.System(label, preset), **layered)

    systems = [ran("RAG-Personalized", "rag", rag), ran("PlanPers", "planpers", planpers)]
    for preset, label in (("role-planner-mopa", "Role-Planner MoPA"),
                          ("multi-planner-mopa", "Multi-Planner MoPA"),
                          ("planner-mopa", "Planner MoPA")):
        systems.append(ran(label, preset, planpers, layer_scores=[planpers], agents=2))
    systems.append(ran("RAG MoPA", "rag-mopa", rag, layer_scores=[rag], agents=2))
    claims = {c.text: c for c in depth_claims({"systems": systems})}
    for label, start in (("Role-Planner MoPA", "PlanPers"), ("Multi-Planner MoPA", "PlanPers"),
                         ("Planner MoPA", "PlanPers"), ("RAG MoPA", "RAG-Personalized")):
        assert claims[f"{label}: layer 1 beats {start} on METEOR"].verdict == (
            "not separable from noise"), label


def test_aggregator_and_agents_claims_use_both_lenses_and_every_family(entry):
    rng = np.random.default_rng(5)
    base = _scores(rng, 40)
    better = [v + 0.05 for v in base]
    results = {"systems": [entry("RAG-Personalized", "rag", base),
                           entry("MoPA longest", "rag-mopa", base),
                           entry("MoPA fusion", "rag-mopa", better)]}
    claims = {c.text: c for c in aggregator_claims(results)}
    assert claims["MoPA fusion beats RAG-Personalized on ROUGE-L"].verdict == "holds"
    assert claims["MoPA fusion beats MoPA longest on METEOR"].verdict == "holds"
    assert claims["MoPA fusion beats MoPA longest on Reader"].verdict == "holds"
    assert claims["MoPA fusion beats copy-latest"].verdict is None
    assert not any(t.startswith("MoPA longest beats") for t in claims)

    counts = {"systems": [entry("fusion N=1", "rag-mopa", base, agents=1),
                          entry("fusion N=4", "rag-mopa", better, agents=4),
                          entry("longest N=2", "rag-mopa", base, agents=2)]}
    claims = agents_claims(counts)
    assert [(c.text, c.verdict) for c in claims] == [
        ("RAG MoPA (fusion): 4 agents beat 1 on METEOR", "holds"),
        ("RAG MoPA (fusion): 4 agents beat 1 on ROUGE-L", "holds"),
        ("RAG MoPA (fusion): 4 agents beat 1 on Reader", "holds"),
        ("RAG MoPA (longest): 2 agents beat 2", None)]


def test_claims_read_the_record_a_system_carries_not_its_label(entry):
    # Labels nothing parses: the records say which is the length control and which is the
    # RAG-Personalized row under the same length policy (the 256-token one is not).
    rng = np.random.default_rng(7)
    base = _scores(rng, 40)
    better = [v + 0.05 for v in base]
    policy = aggregators.POLICY
    results = {"systems": [
        entry("baseline A", "rag", base, system=spec.System("baseline A", "rag",
                                                            options=policy)),
        entry("baseline B", "rag", better, system=spec.System(
            "baseline B", "rag", options=(("length_factor", None), ("trim", False)))),
        entry("control", "rag-mopa", base, system=spec.System(
            "control", "rag-mopa", layers=1, options=(("aggregator", "longest"), *policy))),
        entry("ours", "rag-mopa", better, system=spec.System(
            "ours", "rag-mopa", layers=1, options=(("aggregator", "consensus"), *policy)))]}
    texts = [c.text for c in aggregator_claims(results) if c.metric == "meteor"]
    assert texts == ["ours beats baseline A on METEOR", "ours beats control on METEOR"]


def test_systems_claims_test_the_chosen_aggregator_on_every_system(entry):
    labels = {s.label for s in SYSTEMS.systems}
    assert len(MOPA_PRESETS) == 7 and len(labels) == 3 + 7 * len(ORDER)
    rng = np.random.default_rng(6)
    base = _scores(rng, 40)
    worse = [v - 0.05 for v in base]
    results = {"systems": [entry("RAG-Personalized", "rag", base),
                           entry("RAG MoPA (merge)", "rag-mopa", worse),
                           entry("RAG MoPA (fusion)", "rag-mopa", worse),
                           entry("MoPA-AD (fusion)", "mopa-ad", base)]}
    claims = {c.text: c for c in systems_claims(results)}
    assert claims["RAG MoPA (fusion) beats RAG-Personalized on ROUGE-L"].verdict.startswith("fails")
    assert claims["RAG MoPA: fusion beats merge on METEOR"].verdict == "not separable from noise"
    assert claims["MoPA-AD: fusion beats merge"].verdict is None
    assert "MoPA-AD (merge) (`mopa-ad`)" in claims["MoPA-AD: fusion beats merge"].evidence
    # Three tested comparisons on each of METEOR, ROUGE-L and reader, and one not run.
    assert len(claims) == 3 * 3 + 1
    assert claims["RAG MoPA (fusion) beats RAG-Personalized on Reader"].verdict.startswith("fails")


def test_a_claim_on_a_metric_the_results_do_not_hold_is_not_tested_and_says_why(entry):
    rng = np.random.default_rng(7)
    old = [entry("RAG-Personalized", "rag", _scores(rng, 20)),
           entry("PlanPers", "planpers", _scores(rng, 20))]
    for e in old:  # as results.json written before reader was a default metric
        del e["scores"]["reader"]
    claims = {c.text: c for c in table_claims({"systems": old})}
    assert claims["PlanPers beats RAG-Personalized on METEOR"].verdict is not None
    stale = claims["PlanPers beats RAG-Personalized on Reader"]
    assert stale.verdict is None and "not scored in these results" in stale.evidence


def test_a_system_record_round_trips_through_json():
    system = spec.System("x", "role-planner-mopa", agents=3, roles=("style", "content"),
                         options=(("aggregator", "fusion"), ("trim", True)))
    assert spec.System.from_record(json.loads(json.dumps(system.record()))) == system
