"""Figure 3: metrics after every layer 1..L of single runs, next to the single-agent systems."""

from mopa.experiments.spec import Experiment, System

EXPERIMENT = Experiment(
    name="depth",
    description="Metrics by layer depth from single runs (report Figure 3); depth 0 is the "
                "individual system (RAG-Personalized / PlanPers).",
    systems=(
        System("copy-latest", "copy-latest"),
        System("RAG-Personalized", "rag"),
        System("PlanPers", "planpers"),
        System("RAG MoPA", "rag-mopa"),
        System("Planner MoPA", "planner-mopa"),
    ),
    baselines=("copy-latest",),
    kind="depth",
    defaults={"agents": 7, "layers": 5},
)
