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
