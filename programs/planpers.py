"""PlanPers: a planner lists the aspects to cover, then one LM writes (report section 4.2)."""

import dspy

from mopa.programs.layer import call_predictor, make_plan
from mopa.signatures import Plan, ProposeWithPlan, for_task
from mopa.tasks import get_task


class PlanPers(dspy.Module):
    def __init__(self, task: str = "product_review", lm: str | None = None,
                 planner_lm: str | None = None, retries: int = 2):
        super().__init__()
        spec = get_task(task)
        self.retries = retries
        self.planner = dspy.Predict(for_task(Plan, spec))
        self.planner.lm_spec = planner_lm
        self.generate = dspy.Predict(for_task(ProposeWithPlan, spec))
        self.generate.lm_spec = lm

    def forward(self, profile: str, query: str, latest: str | None = None) -> dspy.Prediction:
        plan = make_plan(self.planner, self.retries, profile, query)
        output = call_predictor(self.generate, self.retries, profile=profile, plan=plan,
                                query=query)
        return dspy.Prediction(output=output, plans=[plan], layers=[])
