import dspy


class Aggregate(dspy.Signature):
    """You are a helpful assistant that produces a single personalized {text_noun} by
    integrating multiple candidate drafts into one coherent response. Preserve the
    {writer_noun}'s current tone and focus reflected in the drafts.

    Formatting and policy:
    1. Do not include commentary or comparisons between drafts.
    2. Do not simply rewrite one draft; merge them coherently.
    3. Use plain text only (no Markdown or code blocks).
    4. Do not add summaries, disclaimers, or extra notes.

    Produce the final response only."""

    query: str = dspy.InputField(desc="the new {short_noun}'s {subject_noun} information")
    drafts: str = dspy.InputField(desc="candidate drafts, numbered")
    output: str = dspy.OutputField(desc="the merged {short_noun}")
