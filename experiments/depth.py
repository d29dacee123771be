"""Figure 3: metrics after every layer 1..L of single runs, next to the single-agent systems."""

from mopa.experiments.spec import Experiment
from mopa.experiments.table import EXPERIMENT as TABLE

EXPERIMENT = Experiment(
    name="depth",
    description="Metrics by layer depth from single runs (report Figure 3); depth 0 is the "
                "individual system (RAG-Personalized / PlanPers).",
    systems=tuple(s for s in TABLE.systems
                  if s.preset in ("copy-latest", "rag", "planpers", "rag-mopa", "planner-mopa")),
    baselines=("copy-latest",),
    kind="depth",
    defaults={"agents": 7, "layers": 5},
)
