import dspy


class Plan(dspy.Signature):
    """You are a helpful assistant that extracts the main aspects a {writer_noun} is likely to
    discuss in a {text_noun}. Given the {subject_noun} information and the {writer_noun}'s
    previous {short_noun}s, identify 3-6 concise, specific aspects that this {writer_noun} would
    probably comment on. List 3-6 concise aspects (2-5 words each), one per line."""

    profile: str = dspy.InputField(desc="the {writer_noun}'s past {short_noun}s, most recent first")
    query: str = dspy.InputField(desc="the new {short_noun}'s {subject_noun} information")
    aspects: str = dspy.OutputField(desc="3-6 aspects the {writer_noun} is likely to mention")
