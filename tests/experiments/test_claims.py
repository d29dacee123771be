"""Claims read what each system is (its preset's properties, its recorded options), never its
label: on synthetic per-example scores."""

import numpy as np

from mopa.experiments.claims import depth_claims


def entry(label, preset, scores, layer_scores=(), agents=0):
    return {"label": label, "preset": preset, "agents": agents, "layers": len(layer_scores),
            "scores": {m: list(scores) for m in ("rouge1", "rougeL", "meteor")},
            "layer_scores": [{m: list(s) for m in ("rouge1", "rougeL", "meteor")}
                             for s in layer_scores]}


def test_depth_starts_every_planning_system_from_planpers():
    # Role- and Multi-Planner MoPA plan (their names do not start with "planner"): their
    # layer 1 is compared with PlanPers, which it equals here, not with the far lower RAG.
    rng = np.random.default_rng(0)
    planpers = list(rng.uniform(0.2, 0.3, 40))
    rag = [v - 0.1 for v in planpers]
    systems = [entry("RAG-Personalized", "rag", rag), entry("PlanPers", "planpers", planpers)]
    for preset, label in (("role-planner-mopa", "Role-Planner MoPA"),
                          ("multi-planner-mopa", "Multi-Planner MoPA"),
                          ("planner-mopa", "Planner MoPA")):
        systems.append(entry(label, preset, planpers, layer_scores=[planpers], agents=2))
    systems.append(entry("RAG MoPA", "rag-mopa", rag, layer_scores=[rag], agents=2))
    claims = {c.text: c for c in depth_claims({"systems": systems})}
    for label in ("Role-Planner MoPA", "Multi-Planner MoPA", "Planner MoPA", "RAG MoPA"):
        assert claims[f"{label}: layer 1 improves on individual"].verdict == (
            "not separable from noise"), label
