"""One MoPA layer: N proposer agents writing drafts side by side."""

from __future__ import annotations

from dataclasses import dataclass, field

import dspy

from mopa.programs.agents import Agent
from mopa.programs.workers import Workers
from mopa.signatures import Propose, Refine, aspect_list, for_task, with_plan
from mopa.signatures.planner import PLAN_MAX_TOKENS
from mopa.tasks import Task


@dataclass
class LayerResult:
    drafts: list[str]
    failures: list[str] = field(default_factory=list)


def format_drafts(drafts: list[str]) -> str:
    return "\n\n".join(f"Draft {i}: {d}" for i, d in enumerate(drafts, start=1))


def call_predictor(predictor: dspy.Predict, retries: int, config: dict | None = None,
                   **inputs) -> str:
    """The predictor's (single) output field, retrying up to ``retries`` more times on errors."""
    name = next(iter(predictor.signature.output_fields))
    for _ in range(retries):
        try:
            return predictor(**inputs, config=dict(config or {}))[name]
        except Exception:
            continue
    return predictor(**inputs, config=dict(config or {}))[name]


def make_plan(planner: dspy.Predict, retries: int, profile: str, query: str,
              rollout_id: int | None = None) -> str:
    """One planner call: a short list of aspects (3-6 lines need few tokens)."""
    config = {"max_tokens": PLAN_MAX_TOKENS}
    if rollout_id is not None:
        config["rollout_id"] = rollout_id
    return aspect_list(call_predictor(planner, retries, config, profile=profile, query=query))


class Layer(dspy.Module):
    """A flat list of predictors, one per agent, so optimizers and save/load see all of them.

    The first layer proposes from the profile (and the plan, for planning agents); later layers
    refine: each agent also reads the previous layer's drafts.
    """

    def __init__(self, task: Task, agents: list[Agent], first: bool):
        super().__init__()
        self.agents = list(agents)
        base = Propose if first else Refine
        self.proposers = []
        for agent in self.agents:
            signature = with_plan(base) if agent.uses_plan else base
            predictor = dspy.Predict(for_task(signature, task, role=agent.role_text))
            predictor.lm_spec = agent.lm
            self.proposers.append(predictor)

    def forward(self, profile: str, query: str, plans: list[str | None], previous: list[str],
                workers: Workers, retries: int = 2) -> LayerResult:
        def propose(i: int) -> str:
            inputs = {"profile": profile, "query": query}
            if self.agents[i].uses_plan:
                inputs["plan"] = plans[i]
            if previous:
                inputs["drafts"] = format_drafts(previous)
            # A distinct rollout per agent: identical agents sample distinct drafts, still cached.
            return call_predictor(self.proposers[i], retries, {"rollout_id": i + 1}, **inputs)

        futures = [workers.submit(propose, i) for i in range(len(self.proposers))]
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
