"""Figure 2: RAG MoPA (one layer) over agent counts, for the aggregators a small base model can
carry and the `longest` length control. The counts share drafts: N agents use rollouts 1..N,
so a run of 8 agents makes every smaller count's drafts too (cached)."""

from mopa.experiments.aggregators import POLICY
from mopa.experiments.spec import Experiment, System

AGENT_COUNTS = tuple(range(1, 9))
# The figure's own choice of aggregators (not every registered one): those a small base model
# carries (the reader lens's two and METEOR's), and the length control.
SHOWN = ("reader", "reader_fusion", "fusion", "consensus", "longest")


def systems(counts=AGENT_COUNTS) -> tuple[System, ...]:
    return tuple(System(f"{name} N={n}", "rag-mopa", agents=n,
                        options=(("aggregator", name), *POLICY))
                 for name in SHOWN for n in counts)


EXPERIMENT = Experiment(
    name="agents",
    description="Final-layer metrics by agent count (report Figure 2), per aggregator.",
    systems=(System("copy-latest", "copy-latest"), *systems()),
    baselines=("copy-latest",),
    kind="agents",
    defaults={"layers": 1},
)
