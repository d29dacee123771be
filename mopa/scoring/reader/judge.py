"""``judge``: an LLM reads each output with the blind readers' rubric (``mopa.scoring.judge``).

The score is the mean of the judge's coherence and fit (each 1-5) mapped to 0..1; NaN where
the judge's replies never parsed (counted in the judge's usage), never a silent 0. ``lm=`` is
a ``Judge`` (its mode and usage count are kept) or a capable chat LM, judged pointwise.
A judge in reference mode also reads the user's real text.
"""

from __future__ import annotations

from mopa.scoring.judge import Judge
from mopa.scoring.registry import Metric, register


def _score(predictions, examples, lm=None) -> list[float]:
    judge = lm if isinstance(lm, Judge) else Judge(lm)
    return judge.score(predictions, examples)


JUDGE = register(Metric(
    name="judge",
    label="Judge (coherence + fit)",
    score=_score,
    description="an LLM judge's coherence and fit (1-5, the blind readers' rubric), their "
                "mean mapped to 0..1; NaN where its reply never parsed",
    uses_reference=False,
    uses_profile=True,
    lm_role="judge",
))
