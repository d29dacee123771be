import dspy

from mopa.signatures.wording import with_plan


class Propose(dspy.Signature):
    """You are a helpful assistant designed to generate a personalized {text_noun} that adapts
    to the {writer_noun}'s evolving writing style over time. You are given several of the
    {writer_noun}'s past {short_noun}s, ordered from most recent to oldest. Use the most recent
    {short_noun}s at the top as the strongest signal of the {writer_noun}'s tone, phrasing, and
    focus. Now write a new {short_noun} for the following {subject_noun} that matches the
    {writer_noun}'s style above.

    Formatting and policy:
    1. Plain text only (no HTML, Markdown, or code blocks).
    2. Do not repeat sentences or phrases.
    3. Do not add summaries, disclaimers, or extra notes."""

    profile: str = dspy.InputField(desc="the {writer_noun}'s past {short_noun}s, most recent first")
    query: str = dspy.InputField(desc="the new {short_noun}'s {subject_noun} information")
    output: str = dspy.OutputField(desc="the new {short_noun}, in the {writer_noun}'s own voice")


ProposeWithPlan = with_plan(Propose)
