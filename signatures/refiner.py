import dspy


class Refine(dspy.Signature):
    """You are a helpful assistant designed to generate a personalized {text_noun} that adapts
    to the {writer_noun}'s evolving writing style over time. You are given several of the
    {writer_noun}'s past {short_noun}s, ordered from most recent to oldest, and candidate drafts
    written by other assistants for the same {subject_noun}. Write an improved {short_noun}: keep
    what the drafts get right about the {writer_noun}'s tone, phrasing and focus, fix what does
    not match the past {short_noun}s, and do not copy any single draft.

    Formatting and policy:
    1. Plain text only (no HTML, Markdown, or code blocks).
    2. Do not repeat sentences or phrases.
    3. Do not add summaries, disclaimers, or extra notes."""

    profile: str = dspy.InputField(desc="the {writer_noun}'s past {short_noun}s, most recent first")
    query: str = dspy.InputField(desc="the new {short_noun}'s {subject_noun} information")
    drafts: str = dspy.InputField(desc="candidate drafts from the previous layer")
    output: str = dspy.OutputField(desc="the improved {short_noun}, in the {writer_noun}'s voice")
