"""Tables 1-3: the nine systems of the report, plus the copy-latest baseline, on one task."""

from mopa.experiments.spec import Experiment, System

EXPERIMENT = Experiment(
    name="table",
    description="The nine systems of the report's Tables 1-3 and copy-latest, same examples, "
                "same retrieval (BM25 k=4), same LM settings.",
    systems=(
        System("copy-latest", "copy-latest"),
        System("RAG-Personalized", "rag"),
        System("PlanPers", "planpers"),
        System("RAG MoPA", "rag-mopa"),
        System("Planner MoPA", "planner-mopa"),
        System("RAG MoPA-MD", "rag-mopa-md"),
        System("Planner MoPA-MD", "planner-mopa-md"),
        System("MoPA-AD", "mopa-ad"),
        System("Multi-Planner MoPA", "multi-planner-mopa"),
        System("Role-Planner MoPA", "role-planner-mopa"),
    ),
    kind="table",
    defaults={"agents": 4, "layers": 5},
)
