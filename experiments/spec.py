"""An experiment is data: which systems, with which structure, compared how."""

from __future__ import annotations

from dataclasses import dataclass, field


def slugify(label: str) -> str:
    """A label as a directory name: ``RAG MoPA (fusion)`` -> ``rag-mopa-(fusion)``."""
    return label.lower().replace(" ", "-").replace("=", "").replace("/", "-")


@dataclass(frozen=True)
class System:
    """One system of an experiment, as a record: what runs (preset, structure, options) and the
    label tables show. Results keep the record (``record()``), so claims, tables and plots read
    what a system is from it; the label only names it."""

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
        return slugify(self.label)

    def named(self, name: str) -> bool:
        """Whether ``name`` names this system: its preset, its label or the label's slug."""
        return name in (self.preset, self.label) or slugify(name) == self.slug

    @property
    def settings(self) -> dict:
        """The options this system sets, by name."""
        return dict(self.options)

    @property
    def aggregator(self) -> str | None:
        """The aggregator this system sets (None: the flags' one, or no layers at all)."""
        return self.settings.get("aggregator")

    def record(self) -> dict:
        """The system as results.json keeps it (JSON: lists and a dict of options)."""
        return {"label": self.label, "preset": self.preset, "agents": self.agents,
                "layers": self.layers, "roles": list(self.roles) if self.roles else None,
                "rag_agents": self.rag_agents, "options": self.settings}

    @classmethod
    def from_record(cls, data: dict) -> System:
        roles = data.get("roles")
        return cls(data["label"], data["preset"], data.get("agents"), data.get("layers"),
                   tuple(roles) if roles else None, data.get("rag_agents"),
                   tuple(data.get("options", {}).items()))


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

    def system_of(self, entry: dict) -> System:
        """The system a results.json entry is: the record it carries, else (results saved
        before records were kept) the declared system of that label, else its preset alone."""
        if entry.get("system"):
            return System.from_record(entry["system"])
        declared = {s.label: s for s in self.systems}
        return declared.get(entry["label"], System(entry["label"], entry["preset"]))
