"""What a program is, as plain data: ``ProgramConfig``, and what a command chooses of it:
``ProgramChoice``.

A config is what a run logs, what a saved program carries, and what ``build_program`` turns back
into a DSPy module. Every field is JSON-able; a new program setting is a new field here, declared
with ``setting(default, help)`` (read by the program that uses it): it is then a flag of every
command that builds programs (``ProgramOptions`` copies it), and ``make_config`` resolves a
preset row into the agent slots.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, make_dataclass, replace

from mopa.programs.agents import Agent, planner_count
from mopa.programs.aggregators import AGGREGATORS, SIMILARITIES, get_aggregator
from mopa.programs.presets import PRESETS, Preset, get_preset
from mopa.settings import check, setting
from mopa.temperatures import EXPECTED as TEMPERATURES
from mopa.temperatures import valid_temperature

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
    lm: str | None = setting(None, "LM spec of the proposers when --proposer-lms is not given, and "
                             "of single-agent programs (default: --lm)", flag="--proposer-lm")
    planner_lm: str | None = setting(None, "LM spec of the planner(s) (default: --lm)")
    aggregator_lm: str | None = setting(None, "LM spec of the aggregator: the merging LM, or the "
                                        "scoring LM of likelihood/contrast (default: --lm)")
    aggregator_temperature: float | None = setting(None, "sampling temperature of the "
                                                   "aggregator (default: its LM's)")
    aggregator: str = setting("merge", "how a layer's drafts become its output (one module "
                              "each in programs/aggregators/)", choices=AGGREGATORS)
    similarity: str = setting("meteor", "consensus: how much two drafts agree",
                              choices=SIMILARITIES)
    refine: str = setting("drafts", "how layers after the first refine: drafts = read the "
                          "previous layer's drafts; exemplar = see its output as the user's "
                          "latest text and write again", choices=REFINES)
    # The length policy every results table uses, on by default for every LM program.
    length_factor: float | None = setting(1.5, "max tokens per example = this x the user's "
                                          "median past length (none: the LM's --max-tokens)")
    trim: bool = setting(True, "cut outputs that stop mid-sentence after their last sentence "
                         "(--no-trim keeps them)")
    min_length: float | None = setting(0.3, "write a text again (a new rollout) while it is "
                                       "shorter than this x the user's median past length, "
                                       "keeping the longest; at least one word (none: keep "
                                       "short and empty texts)")
    resamples: int = setting(2, "how many times a short text is written again at most")
    target_factor: float = setting(1.0, "fusion and concat write this x the user's median past "
                                   "length (1.0: as long as this user usually writes)")
    # Adaptive depth: the layers that would follow change little, so they are skipped.
    stop_similarity: float | None = setting(None, "stop adding layers once a layer's output "
                                            "is at least this similar (ROUGE-L F1) to the "
                                            "previous layer's (default: run every layer)")

    def __post_init__(self):
        get_preset(self.preset)  # raises on an unknown name
        checks = [
            (self.aggregator in AGGREGATORS, "aggregator", ", ".join(AGGREGATORS)),
            (self.similarity in SIMILARITIES, "similarity", ", ".join(SIMILARITIES)),
            (self.refine in REFINES, "refine", ", ".join(REFINES)),
            (self.length_factor is None or self.length_factor > 0, "length_factor",
             "a number > 0, or none"),
            (self.min_length is None or 0 <= self.min_length <= 1, "min_length",
             "a number in [0, 1], or none"),
            (self.resamples >= 0, "resamples", "a whole number >= 0"),
            (self.target_factor > 0, "target_factor", "a number > 0"),
            (self.stop_similarity is None or 0 < self.stop_similarity <= 1, "stop_similarity",
             "a number in (0, 1], or none"),
        ]
        for ok, name, expected in checks:
            if not ok:
                raise ValueError(f"{name}={getattr(self, name)!r} is not valid; expected "
                                 f"{expected}")
        # Like --temperature: refused when the program is defined, before a run is written.
        check(self, [(self.aggregator_temperature is None
                      or valid_temperature(self.aggregator_temperature),
                      "aggregator_temperature", TEMPERATURES)])

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
        proposals + the LM calls the aggregator adds per layer, L times (merge: one; choosing
        aggregators make none; likelihood and contrast make scoring passes, counted apart)."""
        row = get_preset(self.preset)
        if not row.layered:
            return row.calls
        aggregations = self.layers * get_aggregator(self.aggregator).lm_calls
        return planner_count(self.agents) + len(self.agents) * self.layers + aggregations


# Settings make_config resolves itself; every other ProgramConfig field passes straight through.
_STRUCTURE = ("preset", "task", "agents", "layers")
OPTIONS = tuple(f.name for f in fields(ProgramConfig) if f.name not in _STRUCTURE)

# A base model cannot follow the merge instruction (it continues the drafts or ends at once);
# choosing the draft blind readers would rank first is what it can do. On 24 held-out reviews
# read blind, the reader-picked draft ranked best of four systems (mean rank 3.04 of 5; RAG
# 3.71) and beat RAG on METEOR and ROUGE-L (paired CIs above 0); see docs/results_reader.md.
BASE_MODEL_AGGREGATOR = "reader"
CHAT_MODEL_AGGREGATOR = "merge"
_BY_LM = {"aggregator": setting(
    None, f"how a layer's drafts become its output (one module each in programs/aggregators/; "
    f"default: {CHAT_MODEL_AGGREGATOR} with a chat LM, {BASE_MODEL_AGGREGATOR} with a base model "
    "such as the embedded one)", choices=AGGREGATORS)}

# Those settings on their own, one flag each, as commands take them (tune, which searches the
# structure, takes only these); the aggregator is left to the LM unless given.
ProgramOptions = make_dataclass(
    "ProgramOptions",
    [(f.name, f.type, _BY_LM.get(f.name) or field(
        default=f.default, default_factory=f.default_factory, metadata=f.metadata))
     for f in fields(ProgramConfig) if f.name in OPTIONS],
    frozen=True)
ProgramOptions.__module__ = __name__  # where typing.get_type_hints resolves its annotations


@dataclass(frozen=True)
class ProgramChoice:
    """A program as flags choose it: a preset, its structure and its options, before the data
    says which task (``config(task)``)."""

    preset: str = setting("planner-mopa", "the program: a preset of the report",
                          flag="--program", choices=tuple(PRESETS))
    agents: int = setting(4, "proposers per layer (MoPA)")
    layers: int = setting(5, "number of layers (MoPA)")
    roles: str | None = setting(None, "comma-separated role per agent slot (content, analysis, "
                                "usefulness, style, free text, or none), cycled (default: "
                                "the preset's)")
    rag_agents: int | None = setting(None, "RAG agents in mopa-ad/custom (the rest plan; "
                                         "default: the preset's split)")
    proposer_lms: str | None = setting(None, "comma-separated LM specs cycled over the "
                                       "proposers (the -md presets); spec@T sets a "
                                       "temperature, e.g. embedded@1.0 (default: "
                                       "--proposer-lm)")
    options: ProgramOptions = field(default_factory=ProgramOptions)

    def config(self, task: str, base_model: bool = False) -> ProgramConfig:
        """The program for ``task``; without a chosen aggregator, the one that suits the LM
        (``base_model``: the proposers' LM continues text rather than following
        instructions)."""
        options = asdict(self.options)
        if options["aggregator"] is None:
            options["aggregator"] = BASE_MODEL_AGGREGATOR if base_model else CHAT_MODEL_AGGREGATOR
        return make_config(self.preset, task, self.agents, self.layers, self.roles,
                           self.proposer_lms, self.rag_agents, **options)


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
