"""PlanPers: a planner lists the aspects to cover, then one LM writes (report section 4.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dspy

from mopa.programs.calls import length_config, make_plan, make_predictor, write
from mopa.signatures import Plan, ProposeWithPlan, for_task
from mopa.tasks import get_task

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool
    from mopa.programs.config import ProgramConfig


class PlanPers(dspy.Module):
    def __init__(self, config: ProgramConfig, lms: LMPool | None = None):
        super().__init__()
        spec = get_task(config.task)
        self.config = config
        self.planner = make_predictor(for_task(Plan, spec), lms, config.planner_lm)
        self.generate = make_predictor(for_task(ProposeWithPlan, spec), lms, config.lm)

    def forward(self, profile: str, query: str, latest: str | None = None,
                user_words: float | None = None, task_input: str | None = None
                ) -> dspy.Prediction:
        plan = make_plan(self.planner, profile, query)
        output = write(self.generate, self.config, user_words,
                       length_config(self.config, user_words), profile=profile, plan=plan,
                       query=query)
        return dspy.Prediction(output=output, plans=[plan], layers=[])
