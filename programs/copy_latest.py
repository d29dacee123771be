"""The no-LM baseline: return the user's most recent text. Every comparison needs it."""

import dspy


class CopyLatest(dspy.Module):
    def __init__(self, task: str = "product_review"):
        super().__init__()
        self.task = task

    def forward(self, profile: str, query: str, latest: str | None = None) -> dspy.Prediction:
        return dspy.Prediction(output=latest or "", plans=[], layers=[])
