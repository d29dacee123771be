"""The report's systems as one table of data: a row per preset."""

from __future__ import annotations

from dataclasses import dataclass

from mopa.programs.agents import ROLES


@dataclass(frozen=True)
class Preset:
    """One row of the preset table: everything that differs between the report's systems.

    Adding a system = adding a row; ``make_config``, the structure search, the experiments,
    ``mopa compile`` and ``ProgramConfig.lm_calls`` all read the table, through the properties
    below rather than the row's name.
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
    # A single-agent program's fixed LM calls per example (MoPA's follow from its structure).
    calls: int = 0
    plans: bool = False  # a single-agent program that writes from a plan (MoPA: see ``kind``)

    @property
    def layered(self) -> bool:
        """Agents in layers (MoPA), rather than one program call per example."""
        return self.program == "mopa"

    @property
    def needs_lm(self) -> bool:
        """Whether the program calls an LM at all (the no-LM baseline does not)."""
        return self.layered or self.calls > 0

    @property
    def uses_plan(self) -> bool:
        """Whether any agent writes from a plan: its single-agent counterpart is then PlanPers
        rather than RAG-Personalized."""
        return self.kind != "rag" if self.layered else self.plans


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("copy-latest", "copy-latest", "copy-latest"),
    Preset("rag", "RAG-Personalized", "rag", calls=1),
    Preset("planpers", "PlanPers", "planpers", calls=2, plans=True),
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
    """The nine systems of the report's Tables 1-3 (the no-LM baseline stands beside them)."""
    return tuple(name for name, p in PRESETS.items() if p.in_table and p.needs_lm)


def single_agent(name: str) -> str:
    """The single-agent program a preset's agents each are (depth 0 of its layers): the one
    that plans as they do, PlanPers for planning agents, else RAG-Personalized."""
    row = get_preset(name)
    return next(other for other, p in PRESETS.items()
                if not p.layered and p.needs_lm and p.uses_plan == row.uses_plan)


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown program {name!r}; expected one of: "
                         f"{', '.join(PRESETS)}") from None
