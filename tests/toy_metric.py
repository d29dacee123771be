"""A metric defined outside the package, as a user would add one: registered at import.

``toy`` is the prediction's length in hundreds of words, lower is better, so a test can check
both its values (computed here independently) and that every reader takes its direction.
``toy_judge`` needs a judge LM and reports whether it got one (commands pass a ``Judge``,
whose LM is ``judge_lm``).
"""

from mopa.scoring.registry import Metric, register


def words(text: str) -> float:
    return len(text.split()) / 100


TOY = register(Metric("toy", "toy length", lambda predictions, examples: [
    words(p) for p in predictions], "words / 100 (a test metric)", higher_is_better=False,
    uses_reference=False))

TOY_JUDGE = register(Metric("toy_judge", "toy judge", lambda predictions, examples, lm: [
    float("fake" in getattr(lm, "judge_lm", lm).model) for _ in predictions],
    "1 when a judge LM was given (a test metric)", lm_role="judge"))
