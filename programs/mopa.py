"""Mixture of Personalized Agents (the report's Figure 1).

plan -> layer 1 of N proposers -> aggregate
     -> layer 2 refines layer 1 -> aggregate
     -> ... -> layer L -> aggregate = the output

Every layer's aggregation is kept, so one run scores every depth 1..L. Aggregation is the
report's LLM merge or a choice among the drafts (one module each in ``programs/aggregators/``);
refinement is the report's (proposers read the previous drafts) or the previous output shown as
the user's most recent text. A layer's aggregation runs beside the next layer's proposals until
something reads its output (exemplar refinement, the stop rule, the prediction): when layer k+1
needs only layer k's drafts, the critical path is planning + L proposal rounds + one merge.
With ``stop_similarity``, depth adapts: once a layer's output barely changes, the rest is
skipped and recorded as such.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dspy

from mopa.programs.agents import plan_slots
from mopa.programs.aggregators import get_aggregator
from mopa.programs.aggregators.base import Aggregation, Context
from mopa.programs.aggregators.text import similarity
from mopa.programs.calls import length_config, make_plan, make_predictor
from mopa.programs.layer import Layer
from mopa.programs.workers import workers
from mopa.signatures import Plan, for_task
from mopa.tasks import get_task

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool
    from mopa.programs.config import ProgramConfig


@dataclass(frozen=True)
class Step:
    """One layer's drafts, and their aggregation, which may still be running."""

    drafts: list[str]
    failures: list[str]
    aggregation: Future[Aggregation]

    @property
    def output(self) -> str:
        return self.aggregation.result().output

    def record(self) -> dict:
        return {"drafts": self.drafts, "failures": self.failures,
                **self.aggregation.result().record()}


class MoPA(dspy.Module):
    def __init__(self, config: ProgramConfig, lms: LMPool | None = None,
                 max_workers: int | None = None):
        super().__init__()
        if not config.agents:
            raise ValueError("MoPA needs at least one agent, got none")
        if config.layers < 1:
            raise ValueError(f"MoPA needs at least one layer, got layers={config.layers}")
        self.config = config
        self.spec = spec = get_task(config.task)
        self.agents = list(config.agents)
        # N proposers plus the previous layer's aggregation run at once; 1 = strictly sequential.
        self.max_workers = max_workers or len(self.agents) + 1

        # One shared planner for 'plan' agents, one own planner per 'own-plan' agent.
        self.plan_slot = plan_slots(self.agents)
        self.planners = []
        for slot, agent in zip(self.plan_slot, self.agents, strict=True):
            if slot is None or slot < len(self.planners):
                continue
            lm = config.planner_lm if agent.kind == "plan" else (agent.lm or config.planner_lm)
            self.planners.append(make_predictor(for_task(Plan, spec), lms, lm))

        reads_drafts = config.refine == "drafts"
        self.layers = [Layer(spec, self.agents, reads_drafts=reads_drafts and k > 0, lms=lms,
                             config=config)
                       for k in range(config.layers)]
        self.aggregator = get_aggregator(config.aggregator)(config, lms)

    def forward(self, profile: str, query: str, latest: str | None = None,
                user_words: float | None = None, task_input: str | None = None
                ) -> dspy.Prediction:
        context = Context(profile, query, self.config, self.spec, user_words, task_input)
        call = length_config(self.config, user_words)
        with workers(self.max_workers):
            plans = self.plan(profile, query)
            agent_plans = [None if slot is None else plans[slot] for slot in self.plan_slot]
            steps: list[Step] = []
            for layer in self.layers:
                if self._settled(steps):
                    break
                proposed = layer(profile=self._shown_profile(context, steps), query=query,
                                 plans=agent_plans, previous=self._previous(steps), config=call,
                                 user_words=user_words)
                steps.append(Step(proposed.drafts, proposed.failures,
                                  self.aggregate(proposed.drafts, context)))
            return self._prediction(plans, steps)

    def plan(self, profile: str, query: str) -> list[str]:
        """One plan per planner; ``plan_slot`` says which plan each agent works from."""
        def make(i: int) -> str:
            rollout = i + 1 if len(self.planners) > 1 else None  # own plans must differ
            return make_plan(self.planners[i], profile, query, rollout)

        with workers(self.max_workers) as pool:
            return pool.map([lambda i=i: make(i) for i in range(len(self.planners))])

    def aggregate(self, drafts: list[str], context: Context) -> Future[Aggregation]:
        """The layer's output, started now and waited for only where it is read."""
        with workers(self.max_workers) as pool:
            return pool.submit(self.aggregator.aggregate, drafts, context)

    def _previous(self, steps: list[Step]) -> list[str]:
        """What a refining layer reads: the previous layer's drafts (the report's refinement)."""
        return steps[-1].drafts if steps and self.config.refine == "drafts" else []

    def _shown_profile(self, context: Context, steps: list[Step]) -> str:
        """Exemplar refinement: the previous output becomes the user's most recent text."""
        if self.config.refine != "exemplar" or not steps:
            return context.profile
        return (f"{context.query}\n{self.spec.text_label}: {steps[-1].output}\n\n"
                f"{context.profile}")

    def _settled(self, steps: list[Step]) -> bool:
        if self.config.stop_similarity is None or len(steps) < 2:
            return False
        change = similarity(steps[-1].output, steps[-2].output, "rougeL")
        return change >= self.config.stop_similarity

    def _prediction(self, plans: list[str], steps: list[Step]) -> dspy.Prediction:
        records = [step.record() for step in steps]
        for _ in range(len(self.layers) - len(steps)):  # skipped layers keep the last output
            records.append({"drafts": [], "failures": [], "output": records[-1]["output"],
                            "skipped": True})
        return dspy.Prediction(output=steps[-1].output, plans=plans, layers=records,
                               depth=len(steps))
