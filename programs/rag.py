"""RAG-Personalized: one LM writes from the retrieved profile items (report section 4.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dspy

from mopa.programs.calls import call_predictor, make_predictor
from mopa.signatures import Propose, for_task
from mopa.tasks import get_task

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool


class RAGPersonalized(dspy.Module):
    def __init__(self, task: str = "product_review", lm: str | None = None,
                 lms: LMPool | None = None):
        super().__init__()
        self.generate = make_predictor(for_task(Propose, get_task(task)), lms, lm)

    def forward(self, profile: str, query: str, latest: str | None = None) -> dspy.Prediction:
        output = call_predictor(self.generate, profile=profile, query=query)
        return dspy.Prediction(output=output, plans=[], layers=[])
