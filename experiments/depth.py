"""Figure 3: metrics after every layer 1..L of single runs, next to RAG-Personalized (depth 0).

The two refinements a layer can do, under the same aggregator (fusion) and length policy: the
report's (each proposer reads the previous layer's drafts) and exemplar (the previous layer's
output shown as the user's most recent past text, the proposers write again); and the report's
refinement under reader_fusion, the aggregator the selection halves chose on every task."""

from mopa.experiments.aggregators import POLICY
from mopa.experiments.spec import Experiment, System

EXPERIMENT = Experiment(
    name="depth",
    description="Metrics by layer depth from single runs (report Figure 3); depth 0 is "
                "RAG-Personalized under the same length policy.",
    systems=(
        System("copy-latest", "copy-latest"),
        System("RAG-Personalized", "rag", options=POLICY),
        System("RAG MoPA (fusion, exemplar refinement)", "rag-mopa",
               options=(("aggregator", "fusion"), ("refine", "exemplar"), *POLICY)),
        System("RAG MoPA (fusion, drafts refinement)", "rag-mopa",
               options=(("aggregator", "fusion"), ("refine", "drafts"), *POLICY)),
        System("RAG MoPA (reader_fusion, drafts refinement)", "rag-mopa",
               options=(("aggregator", "reader_fusion"), ("refine", "drafts"), *POLICY)),
    ),
    baselines=("RAG-Personalized", "copy-latest"),
    kind="depth",
    defaults={"agents": 4, "layers": 3},
)
