"""What the aggregators that score drafts with an LM's log-probabilities share: the scoring LM,
checked when the program is built, and a draft's mean token log-probability."""

from __future__ import annotations

from statistics import fmean
from typing import TYPE_CHECKING, ClassVar

import dspy

from mopa.lm.scoring import require_scorer
from mopa.programs.aggregators.base import Aggregator

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool
    from mopa.programs.config import ProgramConfig


class LogProbAggregator(Aggregator):
    scores_with_lm: ClassVar[bool] = True

    def __init__(self, config: ProgramConfig, lms: LMPool | None = None):
        super().__init__(config, lms)
        self.scoring_lm = None
        if lms is not None:
            # Checked now, not mid-run: a chat API without log-probabilities cannot score.
            self.scoring_lm = lms.get(config.aggregator_lm)
            require_scorer(self.scoring_lm, self.name)

    def mean_logprob(self, context: str, draft: str) -> float:
        """Mean log p per token of the draft after ``context`` (the LM of ``dspy.context``
        without a pinned scoring LM)."""
        scorer = require_scorer(self.scoring_lm or dspy.settings.lm, self.name)
        values = scorer(context, " " + draft)
        return fmean(values) if values else float("-inf")
