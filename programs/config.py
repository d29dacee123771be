"""What a program is, as plain data: ``ProgramConfig``.

It is what a run logs, what a saved program carries, and what ``build_program`` turns back into
a DSPy module. Every field is JSON-able; a new program setting is a new field here (read by the
program that uses it), and ``make_config`` resolves a preset row into the agent slots.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from mopa.programs.agents import Agent, planner_count
from mopa.programs.presets import Preset, get_preset

# How a layer's drafts become its output (see programs/selection.py for the choices).
AGGREGATORS = ("merge", "consensus", "fusion", "likelihood", "contrast", "longest", "concat")
# How layers after the first refine: "drafts" = each proposer reads the previous layer's drafts
# (the report's design, needs instruction following); "exemplar" = the previous layer's output
# is shown as the user's most recent past text and the proposers write again (a base model
# continues that naturally).
REFINES = ("drafts", "exemplar")


@dataclass(frozen=True)
class ProgramConfig:
    preset: str
    task: str = "product_review"
    agents: tuple[Agent, ...] = field(default_factory=tuple)
    layers: int = 0
    lm: str | None = None  # proposer LM of single-agent programs
    planner_lm: str | None = None
    aggregator_lm: str | None = None  # the merging LM, or the scoring LM of likelihood/contrast
    aggregator_temperature: float | None = None
    aggregator: str = "merge"
    similarity: str = "meteor"  # consensus: how much two drafts agree
    refine: str = "drafts"
    # Max tokens per example = length_factor x the user's median past length (None: the run's
    # fixed max_tokens), and trim outputs that stop mid-sentence.
    length_factor: float | None = None
    trim: bool = False
    # fusion and concat write target_factor x the user's median past length (1.0: as long as
    # this user usually writes).
    target_factor: float = 1.0
    # Adaptive depth: stop adding layers once a layer's output is at least this similar
    # (ROUGE-L F1) to the previous layer's (None: always run every layer).
    stop_similarity: float | None = None

    def __post_init__(self):
        get_preset(self.preset)  # raises on an unknown name
        checks = [
            (self.aggregator in AGGREGATORS, "aggregator", ", ".join(AGGREGATORS)),
            (self.similarity in ("meteor", "rougeL"), "similarity", "meteor, rougeL"),
            (self.refine in REFINES, "refine", ", ".join(REFINES)),
            (self.length_factor is None or self.length_factor > 0, "length_factor",
             "a number > 0, or none"),
            (self.target_factor > 0, "target_factor", "a number > 0"),
            (self.stop_similarity is None or 0 < self.stop_similarity <= 1, "stop_similarity",
             "a number in (0, 1], or none"),
        ]
        for ok, name, expected in checks:
            if not ok:
                raise ValueError(f"{name}={getattr(self, name)!r} is not valid; expected "
                                 f"{expected}")

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ProgramConfig:
        data = dict(data)
        data["agents"] = tuple(Agent(**a) for a in data.get("agents", ()))
        return cls(**data)

    @property
    def lm_calls(self) -> int:
        """LM calls per example when nothing fails and every layer runs: planners + N*L
        proposals + L merges (choosing aggregators make no LM call; likelihood and contrast
        make scoring passes, counted apart)."""
        program = get_preset(self.preset).program
        if program == "copy-latest":
            return 0
        if program == "rag":
            return 1
        if program == "planpers":
            return 2
        merges = self.layers if self.aggregator == "merge" else 0
        return planner_count(self.agents) + len(self.agents) * self.layers + merges


# Settings make_config resolves itself; every other ProgramConfig field passes straight through.
_STRUCTURE = ("preset", "task", "agents", "layers")
OPTIONS = tuple(f.name for f in fields(ProgramConfig) if f.name not in _STRUCTURE)


def comma_list(value: str | list | None) -> list | None:
    """``"content,none,style"`` -> ``["content", None, "style"]``; lists pass through."""
    if value is None or isinstance(value, list):
        return value
    items = [v.strip() for v in value.split(",") if v.strip()]
    return [None if v.lower() == "none" else v for v in items] or None


def make_config(preset: str = "planner-mopa", task: str = "product_review", agents: int = 4,
                layers: int = 5, roles: list[str | None] | str | None = None,
                proposer_lms: list[str] | str | None = None, rag_agents: int | None = None,
                **options) -> ProgramConfig:
    """A preset with its structure. ``roles``/``proposer_lms`` (lists or comma-separated) are
    cycled over the agent slots; ``options`` are the other ProgramConfig fields (lm,
    aggregator, length_factor, ...)."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"unknown program setting(s) {', '.join(unknown)}; expected: "
                         f"{', '.join(OPTIONS)}")
    roles, proposer_lms = comma_list(roles), comma_list(proposer_lms)
    row = get_preset(preset)
    base = ProgramConfig(preset=preset, task=task, **options)
    if not row.layered:
        return base
    if agents < 1 or layers < 1:
        raise ValueError(f"{preset} needs agents >= 1 and layers >= 1, got agents={agents}, "
                         f"layers={layers}")
    if row.multi_lm and not proposer_lms:
        raise ValueError(f"{preset} puts different LMs on the proposers: pass proposer_lms "
                         "(--proposer-lms a,b,...)")
    kinds = _kinds(row, agents, rag_agents)
    roles = roles or list(row.roles) or None
    lms = proposer_lms or [base.lm]
    slots = tuple(
        Agent(kind=kinds[i], role=roles[i % len(roles)] if roles else None,
              lm=lms[i % len(lms)])
        for i in range(agents)
    )
    return replace(base, agents=slots, layers=layers)


def _kinds(row: Preset, agents: int, rag_agents: int | None) -> list[str]:
    if row.kind != "mix":
        return [row.kind] * agents
    n_rag = agents // 2 if rag_agents is None else rag_agents
    if not 0 <= n_rag <= agents:
        raise ValueError(f"rag_agents must be between 0 and {agents}, got {n_rag}")
    return ["rag"] * n_rag + ["plan"] * (agents - n_rag)
