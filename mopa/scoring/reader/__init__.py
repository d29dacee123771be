"""Reader-lens metrics: offline proxies for what a blind reader of a text judges (coherence,
fit to this user and task), each a module that registers one ``Metric`` at import. They read
the candidate, the user's past texts or the task prompt, never the user's real text, unless
a metric says otherwise."""
