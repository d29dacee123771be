"""RAG-Personalized: one LM writes from the retrieved profile items (report section 4.1)."""

import dspy

from mopa.programs.layer import call_predictor
from mopa.signatures import Propose, for_task
from mopa.tasks import get_task


class RAGPersonalized(dspy.Module):
    def __init__(self, task: str = "product_review", lm: str | None = None, retries: int = 2):
        super().__init__()
        self.retries = retries
        self.generate = dspy.Predict(for_task(Propose, get_task(task)))
        self.generate.lm_spec = lm

    def forward(self, profile: str, query: str, latest: str | None = None) -> dspy.Prediction:
        output = call_predictor(self.generate, self.retries, profile=profile, query=query)
        return dspy.Prediction(output=output, plans=[], layers=[])
