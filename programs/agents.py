"""An agent is data: how it is conditioned (kind), what it focuses on (role), which LM runs it."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("rag", "plan", "own-plan")

ROLES = {
    "content": "Content coverage: make sure the text covers every aspect of the plan and the "
               "details the user usually mentions.",
    "analysis": "Analytical reasoning: explain the user's judgement with the reasons and "
                "comparisons they typically give.",
    "usefulness": "Practical usefulness: focus on concrete, practical information a reader "
                  "can act on, as the user does.",
    "style": "Stylistic and tonal alignment: match the user's tone, phrasing, sentence length "
             "and typical expressions as closely as possible.",
}


@dataclass(frozen=True)
class Agent:
    kind: str = "rag"  # rag: profile only; plan: the shared plan; own-plan: plans for itself
    role: str | None = None  # a key of ROLES, or free text
    lm: str | None = None  # an LM spec (see mopa.lm.make_lm); None = the program's default

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown agent kind {self.kind!r}; expected one of: {KINDS}")

    @property
    def uses_plan(self) -> bool:
        return self.kind != "rag"

    @property
    def role_text(self) -> str | None:
        if self.role is None:
            return None
        return ROLES.get(self.role, self.role)


def plan_slots(agents: tuple[Agent, ...] | list[Agent]) -> list[int | None]:
    """Which planner each agent works from: None for RAG agents, one planner shared by every
    'plan' agent, one own planner per 'own-plan' agent. Planners are numbered in order of first
    use; the number of planners is ``max(slots) + 1`` (0 when no agent plans)."""
    slots: list[int | None] = []
    shared, count = None, 0
    for agent in agents:
        if agent.kind == "rag":
            slots.append(None)
        elif agent.kind == "plan" and shared is not None:
            slots.append(shared)
        else:
            slots.append(count)
            if agent.kind == "plan":
                shared = count
            count += 1
    return slots


def planner_count(agents: tuple[Agent, ...] | list[Agent]) -> int:
    return max((s for s in plan_slots(agents) if s is not None), default=-1) + 1
