"""The no-LM baseline: return the user's most recent text. Every comparison needs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dspy

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool
    from mopa.programs.config import ProgramConfig


class CopyLatest(dspy.Module):
    def __init__(self, config: ProgramConfig, lms: LMPool | None = None):
        super().__init__()
        self.config = config  # what a saved program carries, as every program does

    def forward(self, profile: str, query: str, latest: str | None = None,
                user_words: float | None = None, task_input: str | None = None
                ) -> dspy.Prediction:
        return dspy.Prediction(output=latest or "", plans=[], layers=[])
