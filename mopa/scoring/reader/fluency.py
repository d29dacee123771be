"""``fluency``: the scoring LM's mean log-probability per token of the text, read as one text.

A text stitched from passages that do not follow each other (a new product mid-review, a
contradiction, a stray fragment) has tokens the model did not expect where the seams are, so
its mean drops; a fluent text by one writer reads on.

Context: only the task's text label (``"Review:"``), with the text after it as the text would
follow its cue. The reader judges coherence on the text alone, so the prompt header (rating,
summary, title) is left out on purpose: with it, the score would also reward copying the
header's words, which is what the on-topic proxy measures, and a text would be penalized for
being about the wrong product, which is a fit problem, not a fluency one. The label still tells
the model what kind of text starts, so a review's first words are not read as a surprise.

Known blind spot: a loop (the same sentence again and again) is very probable to a language
model once it has started; the repetition proxy is the one that sees loops.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean
from typing import Any

from mopa.data import Example
from mopa.scoring.registry import Metric, register

# An empty text has no tokens to average; it gets a floor below any real text's mean (a token
# drawn uniformly from Gemma-3's 262144-token vocabulary has log p = -12.5).
EMPTY = -30.0


def _scorer(lm: Any):
    score = getattr(getattr(lm, "engine", None), "token_logprobs", None)
    if score is None:
        model = getattr(lm, "model", type(lm).__name__)
        raise ValueError(f"metric 'fluency' needs token log-probabilities, which {model} "
                         "cannot give; pass a scoring LM that can (embedded, fake)")
    return score


def score(predictions: Sequence[str], examples: Sequence[Example], lm: Any = None) -> list[float]:
    token_logprobs = _scorer(lm)
    values = []
    for prediction, example in zip(predictions, examples, strict=True):
        text = prediction.strip()
        logprobs = token_logprobs(f"{example.spec.text_label}:", " " + text) if text else []
        values.append(fmean(logprobs) if logprobs else EMPTY)
    return values


register(Metric(
    name="fluency",
    label="Fluency",
    score=score,
    description="mean log-probability per token of the text after its task's label, by the "
                "scoring LM (e.g. the embedded model); stitched non-sequiturs lower it",
    higher_is_better=True,
    uses_reference=False,
    uses_profile=False,
    lm_role="scoring",
))
