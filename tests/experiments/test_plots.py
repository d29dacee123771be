"""What the figures draw: depth 0 of each layered system is its single-agent counterpart."""

from pytest import approx

from mopa.experiments import plots
from mopa.experiments.compare import add_intervals


def _entry(label, preset, scores, layer_scores=()):
    return {"label": label, "preset": preset, "agents": 2 if layer_scores else 0,
            "layers": len(layer_scores),
            "scores": {m: list(scores) for m in ("rouge1", "rougeL", "meteor")},
            "layer_scores": [{m: list(s) for m in ("rouge1", "rougeL", "meteor")}
                             for s in layer_scores]}


def test_depth_zero_of_a_planning_system_is_planpers(tmp_path, monkeypatch):
    systems = [_entry("RAG-Personalized", "rag", [0.1, 0.1, 0.1]),
               _entry("PlanPers", "planpers", [0.3, 0.3, 0.3]),
               _entry("Role-Planner MoPA", "role-planner-mopa", [0.4] * 3, [[0.4] * 3]),
               _entry("RAG MoPA", "rag-mopa", [0.2] * 3, [[0.2] * 3])]
    add_intervals(systems, ())
    drawn = {}
    monkeypatch.setattr(plots, "_band", lambda ax, xs, points, label, marker="o":
                        drawn.setdefault(label, (xs, [p["estimate"] for p in points])))
    results = {"systems": systems, "settings": {"n": 3, "lm": "fake"}, "kind": "depth"}
    assert plots.plot_depth(results, tmp_path).exists()
    assert drawn["Role-Planner MoPA"] == ([0, 1], approx([0.3, 0.4]))
    assert drawn["RAG MoPA"] == ([0, 1], approx([0.1, 0.2]))
