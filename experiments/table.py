"""Tables 1-3: the nine systems of the report, plus the copy-latest baseline, on one task."""

from mopa.experiments.spec import Experiment, System
from mopa.programs.presets import PRESETS

EXPERIMENT = Experiment(
    name="table",
    description="The nine systems of the report's Tables 1-3 and copy-latest, same examples, "
                "same retrieval (BM25 k=4), same LM settings.",
    systems=tuple(System(p.label, p.name) for p in PRESETS.values() if p.in_table),
    kind="table",
    defaults={"agents": 4, "layers": 5},
)
