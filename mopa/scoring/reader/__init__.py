"""Reader proxies: metrics that judge a text the way a blind reader does, from the text, the task
prompt and the user's profile, without the reference (the user's real text).

Each file registers one metric with ``mopa.scoring.registry``. Every proxy gives a degenerate
output (empty, one or two words) its worst score, so having no text never beats flawed text.
"""
