"""Mixture of Personalized Agents (the report's Figure 1).

plan -> layer 1 of N proposers -> aggregate
     -> layer 2 refines layer 1's drafts -> aggregate
     -> ... -> layer L -> aggregate = the output

Every layer's aggregation is kept, so one run scores every depth 1..L. Layer k+1 needs only
layer k's drafts, so each aggregation runs beside the next layer instead of before it: the
critical path is planning + L proposal rounds + one aggregation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import dspy

from mopa.programs.agents import Agent, plan_slots
from mopa.programs.calls import call_predictor, format_drafts, make_plan, make_predictor
from mopa.programs.layer import Layer
from mopa.programs.workers import Workers
from mopa.signatures import Aggregate, Plan, for_task
from mopa.tasks import get_task

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool


class MoPA(dspy.Module):
    def __init__(self, task: str = "product_review",
                 agents: tuple[Agent, ...] = (Agent("plan"),) * 4, layers: int = 5,
                 planner_lm: str | None = None, aggregator_lm: str | None = None,
                 aggregator_temperature: float | None = None, max_workers: int | None = None,
                 lms: LMPool | None = None):
        super().__init__()
        if not agents:
            raise ValueError("MoPA needs at least one agent, got none")
        if layers < 1:
            raise ValueError(f"MoPA needs at least one layer, got layers={layers}")
        spec = get_task(task)
        self.agents = list(agents)
        # N proposers plus the previous layer's aggregation run at once; 1 = strictly sequential.
        self.max_workers = max_workers or len(self.agents) + 1
        self.aggregator_temperature = aggregator_temperature

        # One shared planner for 'plan' agents, one own planner per 'own-plan' agent.
        self.plan_slot = plan_slots(self.agents)
        self.planners = []
        for slot, agent in zip(self.plan_slot, self.agents, strict=True):
            if slot is None or slot < len(self.planners):
                continue
            lm = planner_lm if agent.kind == "plan" else (agent.lm or planner_lm)
            self.planners.append(make_predictor(for_task(Plan, spec), lms, lm))

        self.layers = [Layer(spec, self.agents, first=(k == 0), lms=lms) for k in range(layers)]
        self.aggregator = make_predictor(for_task(Aggregate, spec), lms, aggregator_lm)

    def forward(self, profile: str, query: str, latest: str | None = None) -> dspy.Prediction:
        with Workers(self.max_workers) as workers:
            plans = self.plan(profile, query, workers)
            agent_plans = [None if slot is None else plans[slot] for slot in self.plan_slot]
            drafts: list[str] = []
            results, merged = [], []
            for layer in self.layers:
                result = layer(profile=profile, query=query, plans=agent_plans, previous=drafts,
                               workers=workers)
                drafts = result.drafts
                results.append(result)
                merged.append(workers.submit(self.aggregate, query, drafts))
            outputs = [m.result() for m in merged]

        return dspy.Prediction(
            output=outputs[-1],
            plans=plans,
            layers=[{"drafts": r.drafts, "output": out, "failures": r.failures}
                    for r, out in zip(results, outputs, strict=True)],
        )

    def plan(self, profile: str, query: str, workers: Workers) -> list[str]:
        """One plan per planner; ``plan_slot`` says which plan each agent works from."""
        def make(i: int) -> str:
            rollout = i + 1 if len(self.planners) > 1 else None  # own plans must differ
            return make_plan(self.planners[i], profile, query, rollout)

        return workers.map([lambda i=i: make(i) for i in range(len(self.planners))])

    def aggregate(self, query: str, drafts: list[str]) -> str:
        config = {}
        if self.aggregator_temperature is not None:
            config["temperature"] = self.aggregator_temperature
        return call_predictor(self.aggregator, config, query=query, drafts=format_drafts(drafts))
