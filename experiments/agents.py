"""Figure 2: RAG MoPA and Planner MoPA at a fixed depth over agent counts."""

from mopa.experiments.spec import Experiment, System

AGENT_COUNTS = tuple(range(4, 11))


def systems(counts=AGENT_COUNTS) -> tuple[System, ...]:
    return tuple(System(f"{name} N={n}", preset, agents=n)
                 for name, preset in (("RAG MoPA", "rag-mopa"), ("Planner MoPA", "planner-mopa"))
                 for n in counts)


EXPERIMENT = Experiment(
    name="agents",
    description="Final-layer metrics by agent count (report Figure 2).",
    systems=systems(),
    baselines=("copy-latest",),
    kind="agents",
    defaults={"layers": 5},
)
