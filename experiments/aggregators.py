"""The aggregators table: one MoPA layer of RAG agents with each way of aggregating its drafts,
beside RAG-Personalized under the same length policy, the `longest` and `concat` length
controls, and copy-latest. Every MoPA system shares its drafts (same prompts and rollouts: one
generation, cached), so the rows differ only in aggregation. Every registered aggregator has a
row."""

from mopa.experiments.spec import Experiment, System
from mopa.programs.aggregators import aggregator_names

# The length policy every LM row shares: max tokens 1.5x the user's median, trimmed to a
# sentence (the "fixed" RAG row is today's 256-token default, for reference).
POLICY = (("length_factor", 1.5), ("trim", True))

EXPERIMENT = Experiment(
    name="aggregators",
    description="RAG MoPA (N agents, 1 layer) with each aggregator, RAG-Personalized under the "
                "same length policy, length controls (longest, concat) and copy-latest.",
    systems=(
        System("copy-latest", "copy-latest"),
        System("RAG-Personalized", "rag", options=POLICY),
        System("RAG-Personalized (fixed 256 tokens)", "rag",
               options=(("length_factor", None), ("trim", False))),
        *(System(f"MoPA {name}", "rag-mopa", layers=1,
                 options=(("aggregator", name), *POLICY)) for name in aggregator_names()),
    ),
    baselines=("RAG-Personalized", "MoPA longest", "copy-latest"),
    kind="table",
    defaults={"agents": 8, "layers": 1},
)
