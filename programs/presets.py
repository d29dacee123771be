"""The report's systems as named presets over one program description.

A ``ProgramConfig`` is plain data (JSON-able): it is what a run logs, what a saved program
carries, and what ``build_program`` turns back into a DSPy module.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

import dspy

from mopa.programs.agents import ROLES, Agent, planner_count
from mopa.programs.copy_latest import CopyLatest
from mopa.programs.mopa import MoPA
from mopa.programs.planpers import PlanPers
from mopa.programs.rag import RAGPersonalized

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool


@dataclass(frozen=True)
class Preset:
    """One row of the preset table: everything that differs between the report's systems.

    Adding a system = adding a row; ``make_config``, the structure search, the experiments,
    ``mopa compile`` and ``ProgramConfig.lm_calls`` all read the table.
    """

    name: str
    label: str  # the report's name for it, used in tables and plots
    program: str  # "copy-latest", "rag", "planpers" or "mopa"
    kind: str = "plan"  # MoPA agents: rag, plan, own-plan, or mix (--rag-agents RAG, rest plan)
    roles: tuple[str, ...] = ()  # default roles, cycled over the agent slots
    multi_lm: bool = False  # -MD: the proposers run on different LMs (--proposer-lms)
    searched_roles: bool = False  # the structure search picks a role per agent slot
    searched_lms: bool = False  # the structure search picks an LM per slot from --proposer-lms
    in_table: bool = True  # a row of the report's Tables 1-3

    @property
    def layered(self) -> bool:
        return self.program == "mopa"


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("copy-latest", "copy-latest", "copy-latest"),
    Preset("rag", "RAG-Personalized", "rag"),
    Preset("planpers", "PlanPers", "planpers"),
    Preset("rag-mopa", "RAG MoPA", "mopa", kind="rag"),
    Preset("planner-mopa", "Planner MoPA", "mopa"),
    Preset("rag-mopa-md", "RAG MoPA-MD", "mopa", kind="rag", multi_lm=True),
    Preset("planner-mopa-md", "Planner MoPA-MD", "mopa", multi_lm=True),
    Preset("mopa-ad", "MoPA-AD", "mopa", kind="mix"),
    Preset("multi-planner-mopa", "Multi-Planner MoPA", "mopa", kind="own-plan"),
    Preset("role-planner-mopa", "Role-Planner MoPA", "mopa", roles=tuple(ROLES),
           searched_roles=True),
    Preset("custom", "Custom MoPA", "mopa", kind="mix", searched_roles=True, searched_lms=True,
           in_table=False),
)}


def layered_presets() -> tuple[str, ...]:
    """The MoPA presets (agents and layers), in table order."""
    return tuple(name for name, p in PRESETS.items() if p.layered)


def table_presets() -> tuple[str, ...]:
    """The nine systems of the report's Tables 1-3 (copy-latest is the baseline beside them)."""
    return tuple(name for name, p in PRESETS.items()
                 if p.in_table and p.program != "copy-latest")


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown program {name!r}; expected one of: "
                         f"{', '.join(PRESETS)}") from None


@dataclass(frozen=True)
class ProgramConfig:
    preset: str
    task: str = "product_review"
    agents: tuple[Agent, ...] = field(default_factory=tuple)
    layers: int = 0
    lm: str | None = None  # proposer LM of single-agent programs
    planner_lm: str | None = None
    aggregator_lm: str | None = None
    aggregator_temperature: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ProgramConfig:
        data = dict(data)
        data["agents"] = tuple(Agent(**a) for a in data.get("agents", ()))
        return cls(**data)

    @property
    def lm_calls(self) -> int:
        """LM calls per example when nothing fails: planners + N*L proposals + L aggregations."""
        program = get_preset(self.preset).program
        if program == "copy-latest":
            return 0
        if program == "rag":
            return 1
        if program == "planpers":
            return 2
        return planner_count(self.agents) + len(self.agents) * self.layers + self.layers


def comma_list(value: str | list | None) -> list | None:
    """``"content,none,style"`` -> ``["content", None, "style"]``; lists pass through."""
    if value is None or isinstance(value, list):
        return value
    items = [v.strip() for v in value.split(",") if v.strip()]
    return [None if v.lower() == "none" else v for v in items] or None


def make_config(preset: str = "planner-mopa", task: str = "product_review", agents: int = 4,
                layers: int = 5, roles: list[str | None] | str | None = None,
                proposer_lms: list[str] | str | None = None, rag_agents: int | None = None,
                lm: str | None = None, planner_lm: str | None = None,
                aggregator_lm: str | None = None,
                aggregator_temperature: float | None = None) -> ProgramConfig:
    """A preset with its structure. ``roles``/``proposer_lms`` (lists or comma-separated) are
    cycled over the agent slots."""
    roles, proposer_lms = comma_list(roles), comma_list(proposer_lms)
    row = get_preset(preset)
    base = ProgramConfig(preset=preset, task=task, lm=lm, planner_lm=planner_lm,
                         aggregator_lm=aggregator_lm,
                         aggregator_temperature=aggregator_temperature)
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
    lms = proposer_lms or [lm]
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


def build_program(config: ProgramConfig, lms: LMPool | None = None) -> dspy.Module:
    """The DSPy module for ``config``. With ``lms``, each predictor whose config names an LM is
    pinned to that LM of the pool; the others (all of them without a pool, as in tests and the
    Python API) use the LM of ``dspy.context``."""
    program = get_preset(config.preset).program
    if program == "copy-latest":
        return CopyLatest(task=config.task)
    if program == "rag":
        return RAGPersonalized(task=config.task, lm=config.lm, lms=lms)
    if program == "planpers":
        return PlanPers(task=config.task, lm=config.lm, planner_lm=config.planner_lm, lms=lms)
    return MoPA(task=config.task, agents=config.agents, layers=config.layers,
                planner_lm=config.planner_lm, aggregator_lm=config.aggregator_lm,
                aggregator_temperature=config.aggregator_temperature, lms=lms)
