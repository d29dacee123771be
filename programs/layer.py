"""One MoPA layer: N proposer agents writing drafts side by side."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import dspy

from mopa.programs.agents import Agent
from mopa.programs.calls import call_predictor, make_predictor, write
from mopa.programs.shared_prompts import proposal_inputs, submit_proposals
from mopa.programs.workers import workers
from mopa.signatures import Propose, Refine, for_task, with_plan
from mopa.tasks import Task

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool
    from mopa.programs.config import ProgramConfig


@dataclass
class LayerResult:
    drafts: list[str]
    failures: list[str] = field(default_factory=list)


class Layer(dspy.Module):
    """A flat list of predictors, one per agent, so optimizers and save/load see all of them.

    Each agent proposes from the profile (and the plan, for planning agents); a layer that
    ``reads_drafts`` (the report's refinement) also shows each agent the previous layer's drafts.
    The agents write concurrently (in the pool of the program calling the layer, if any), each
    under the program's length policy when the layer is given its ``config``.
    """

    def __init__(self, task: Task, agents: list[Agent], reads_drafts: bool,
                 lms: LMPool | None = None, config: ProgramConfig | None = None):
        super().__init__()
        self.agents = list(agents)
        self.config = config
        base = Refine if reads_drafts else Propose
        self.proposers = []
        for agent in self.agents:
            signature = with_plan(base) if agent.uses_plan else base
            self.proposers.append(
                make_predictor(for_task(signature, task, role=agent.role_text), lms, agent.lm))

    def forward(self, profile: str, query: str, plans: list[str | None] | None = None,
                previous: list[str] | None = None, config: dict | None = None,
                user_words: float | None = None) -> LayerResult:
        """Every agent's draft (``plans[i]`` for a planning agent i; ``previous``: the drafts a
        refining layer reads), and why any agent gave none."""
        if plans is None and any(a.uses_plan for a in self.agents):
            raise ValueError("this layer has planning agents: pass plans, one per agent "
                             "(None for a RAG agent)")
        with workers(len(self.proposers)) as pool:
            futures = submit_proposals(self, pool, profile, query, plans, previous, config,
                                       user_words)
        result = LayerResult(drafts=[])
        for i, future in enumerate(futures):
            try:
                draft = future.result()
            except Exception as e:  # one failed agent must not sink the layer
                result.failures.append(f"agent {i + 1}: {type(e).__name__}: {e}")
                continue
            if draft.strip():
                result.drafts.append(draft)
            else:
                result.failures.append(f"agent {i + 1}: empty draft")
        if not result.drafts:
            raise RuntimeError("every agent of the layer failed: " + "; ".join(result.failures))
        return result

    def propose(self, i: int, profile: str, query: str, plans: list[str | None] | None,
                previous: list[str] | None, config: dict | None,
                user_words: float | None = None) -> str:
        inputs = proposal_inputs(self, i, profile, query, plans, previous)
        # A distinct rollout per agent: identical agents sample distinct drafts, still cached.
        call = {**(config or {}), "rollout_id": i + 1}
        if self.config is None:
            return call_predictor(self.proposers[i], call, **inputs)
        return write(self.proposers[i], self.config, user_words, call, **inputs)
