"""An experiment is data: which systems, with which structure, compared how."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class System:
    label: str
    preset: str
    agents: int | None = None  # None: the experiment's --agents
    layers: int | None = None  # None: the experiment's --layers
    roles: tuple[str, ...] | None = None
    rag_agents: int | None = None
    # ProgramConfig options this system sets whatever the flags say, e.g. (("aggregator",
    # "fusion"),): the systems of one experiment differ in them.
    options: tuple[tuple[str, object], ...] = ()

    @property
    def slug(self) -> str:
        return self.label.lower().replace(" ", "-").replace("=", "").replace("/", "-")


@dataclass(frozen=True)
class Experiment:
    name: str
    description: str
    systems: tuple[System, ...]
    # Every system is compared (paired bootstrap, same examples) against these: a system's
    # label, or a preset (its first system).
    baselines: tuple[str, ...] = ("rag", "copy-latest")
    # "table": one row per system; "agents": metric vs agent count; "depth": metric vs layer.
    kind: str = "table"
    defaults: dict = field(default_factory=dict)  # default --agents/--layers/... for this one
