"""The report's nine systems (Tables 1-3) with each aggregator, under one length policy.

Every MoPA system of the report runs with each way of turning a layer's drafts into its output,
so the table shows whether an aggregator a small base model can carry repairs every system, not
only RAG MoPA. The systems are listed aggregator by aggregator: the first block generates every
system's drafts and the later ones reuse them from the LM cache (the same prompts and rollouts),
so they add only what the aggregator itself costs: nothing for the selections, one LLM call for
`merge`, scoring passes for `likelihood` and `contrast` (last, the most expensive to add).
Every registered aggregator takes part: one not named below follows them, so none drops out
unnoticed.
"""

from mopa.experiments.aggregators import POLICY
from mopa.experiments.spec import Experiment, System
from mopa.programs.aggregators import aggregator_names
from mopa.programs.presets import PRESETS

# The report's aggregators in the order above (the first block generates the drafts).
FIRST = ("fusion", "consensus", "longest", "merge", "likelihood", "contrast")
# Left out on purpose, with the reason (the aggregators experiment has it).
LEFT_OUT = {"concat": "a length control, compared in the aggregators experiment"}
ORDER = tuple(n for n in FIRST if n in aggregator_names()) + tuple(
    n for n in aggregator_names() if n not in FIRST and n not in LEFT_OUT)
MOPA_PRESETS = tuple(p for p in PRESETS.values() if p.in_table and p.layered)

EXPERIMENT = Experiment(
    name="systems",
    description="The nine systems of the report's Tables 1-3, each MoPA system with each "
                "aggregator, under one length policy; copy-latest as the no-LM baseline.",
    systems=(
        System("copy-latest", "copy-latest"),
        System("RAG-Personalized", "rag", options=POLICY),
        System("PlanPers", "planpers", options=POLICY),
        *(System(f"{p.label} ({name})", p.name, options=(("aggregator", name), *POLICY))
          for name in ORDER for p in MOPA_PRESETS),
    ),
    baselines=("RAG-Personalized", "copy-latest"),
    kind="table",
    defaults={"agents": 4, "layers": 1},
)
