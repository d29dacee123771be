"""PlanPers: a planner lists the aspects to cover, then one LM writes (report section 4.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dspy

from mopa.programs.calls import call_predictor, make_plan, make_predictor
from mopa.signatures import Plan, ProposeWithPlan, for_task
from mopa.tasks import get_task

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool


class PlanPers(dspy.Module):
    def __init__(self, task: str = "product_review", lm: str | None = None,
                 planner_lm: str | None = None, lms: LMPool | None = None):
        super().__init__()
        spec = get_task(task)
        self.planner = make_predictor(for_task(Plan, spec), lms, planner_lm)
        self.generate = make_predictor(for_task(ProposeWithPlan, spec), lms, lm)

    def forward(self, profile: str, query: str, latest: str | None = None) -> dspy.Prediction:
        plan = make_plan(self.planner, profile, query)
        output = call_predictor(self.generate, profile=profile, plan=plan, query=query)
        return dspy.Prediction(output=output, plans=[plan], layers=[])
