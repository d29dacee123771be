"""The report's systems as named presets over one program description.

A ``ProgramConfig`` is plain data (JSON-able): it is what a run logs, what a saved program
carries, and what ``build_program`` turns back into a DSPy module.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import dspy

from mopa.programs.agents import ROLES, Agent
from mopa.programs.copy_latest import CopyLatest
from mopa.programs.mopa import MoPA
from mopa.programs.planpers import PlanPers
from mopa.programs.rag import RAGPersonalized

SINGLE = ("copy-latest", "rag", "planpers")
LAYERED = ("rag-mopa", "planner-mopa", "rag-mopa-md", "planner-mopa-md", "mopa-ad",
           "multi-planner-mopa", "role-planner-mopa", "custom")
PRESETS = SINGLE + LAYERED
TABLE_SYSTEMS = ("rag", "planpers") + LAYERED[:-1]  # the nine systems of Tables 1-3


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
        if self.preset == "copy-latest":
            return 0
        if self.preset == "rag":
            return 1
        if self.preset == "planpers":
            return 2
        planners = sum(a.kind == "own-plan" for a in self.agents)
        planners += any(a.kind == "plan" for a in self.agents)
        return planners + len(self.agents) * self.layers + self.layers


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
    if preset not in PRESETS:
        raise ValueError(f"unknown program {preset!r}; expected one of: {', '.join(PRESETS)}")
    base = ProgramConfig(preset=preset, task=task, lm=lm, planner_lm=planner_lm,
                         aggregator_lm=aggregator_lm,
                         aggregator_temperature=aggregator_temperature)
    if preset in SINGLE:
        return base
    if agents < 1 or layers < 1:
        raise ValueError(f"{preset} needs agents >= 1 and layers >= 1, got agents={agents}, "
                         f"layers={layers}")
    if preset.endswith("-md") and not proposer_lms:
        raise ValueError(f"{preset} puts different LMs on the proposers: pass proposer_lms "
                         "(--proposer-lms a,b,...)")
    kinds = _kinds(preset, agents, rag_agents)
    if roles is None and preset == "role-planner-mopa":
        roles = list(ROLES)
    lms = proposer_lms or [lm]
    slots = tuple(
        Agent(kind=kinds[i], role=roles[i % len(roles)] if roles else None,
              lm=lms[i % len(lms)])
        for i in range(agents)
    )
    return replace(base, agents=slots, layers=layers)


def _kinds(preset: str, agents: int, rag_agents: int | None) -> list[str]:
    if preset in ("rag-mopa", "rag-mopa-md"):
        return ["rag"] * agents
    if preset == "multi-planner-mopa":
        return ["own-plan"] * agents
    if preset in ("mopa-ad", "custom"):
        n_rag = agents // 2 if rag_agents is None else rag_agents
        if not 0 <= n_rag <= agents:
            raise ValueError(f"rag_agents must be between 0 and {agents}, got {n_rag}")
        return ["rag"] * n_rag + ["plan"] * (agents - n_rag)
    return ["plan"] * agents


def build_program(config: ProgramConfig) -> dspy.Module:
    if config.preset == "copy-latest":
        return CopyLatest(task=config.task)
    if config.preset == "rag":
        return RAGPersonalized(task=config.task, lm=config.lm)
    if config.preset == "planpers":
        return PlanPers(task=config.task, lm=config.lm, planner_lm=config.planner_lm)
    return MoPA(task=config.task, agents=config.agents, layers=config.layers,
                planner_lm=config.planner_lm, aggregator_lm=config.aggregator_lm,
                aggregator_temperature=config.aggregator_temperature)
