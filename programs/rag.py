"""RAG-Personalized: one LM writes from the retrieved profile items (report section 4.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dspy

from mopa.programs.calls import length_config, make_predictor, write
from mopa.signatures import Propose, for_task
from mopa.tasks import get_task

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool
    from mopa.programs.config import ProgramConfig


class RAGPersonalized(dspy.Module):
    def __init__(self, config: ProgramConfig, lms: LMPool | None = None):
        super().__init__()
        self.config = config
        self.generate = make_predictor(for_task(Propose, get_task(config.task)), lms, config.lm)

    def forward(self, profile: str, query: str, latest: str | None = None,
                user_words: float | None = None, task_input: str | None = None
                ) -> dspy.Prediction:
        output = write(self.generate, self.config, user_words,
                       length_config(self.config, user_words), profile=profile, query=query)
        return dspy.Prediction(output=output, plans=[], layers=[])
