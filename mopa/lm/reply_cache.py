"""DSPy's response cache, minus empty replies.

An empty reply is a valid response to DSPy, so its cache keeps it: under the embedded model
and API models (cache on) an example whose merge or every proposer came back empty would get
the same empty reply back from the cache on every rerun and never finish, although the model,
sampled again, answers. With this wrapper an empty reply is neither stored nor served (one a
cache stored before counts as a miss): a rerun replays the calls that answered and asks again
exactly the ones that did not (failed calls raise, and DSPy never caches those).
"""

from __future__ import annotations

from typing import Any

import dspy
from dspy.clients.call_result import CACHE_FORMAT


def _texts(value: Any) -> list[Any] | None:
    """The reply texts of a cached value: DSPy's own record, or a provider's raw response
    (LiteLLM's chat or text completion); None when the value is of neither kind."""
    if isinstance(value, dict) and value.get("_dspy_format") == CACHE_FORMAT:
        outputs = value.get("outputs") or []
        return [o.get("text") if isinstance(o, dict) else o for o in outputs]
    choices = value.get("choices") if isinstance(value, dict) else getattr(value, "choices", None)
    if not isinstance(choices, list):
        return None
    texts = []
    for choice in choices:
        get = choice.get if isinstance(choice, dict) else lambda k, c=choice: getattr(c, k, None)
        message = get("message")
        if message is not None:
            texts.append(message.get("content") if isinstance(message, dict)
                         else getattr(message, "content", None))
        else:
            texts.append(get("text"))
    return texts


def is_empty_reply(value: Any) -> bool:
    texts = _texts(value)
    return texts is not None and not any(isinstance(t, str) and t.strip() for t in texts)


class SkipEmptyReplies:
    """Wraps a ``dspy.clients.cache.Cache``: everything is the wrapped cache's, except that an
    empty reply is never stored, nor served."""

    def __init__(self, inner: Any):
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __contains__(self, key: str) -> bool:
        return key in self.inner

    def get(self, request: dict, *args: Any, **kwargs: Any) -> Any:
        value = self.inner.get(request, *args, **kwargs)
        return None if value is not None and is_empty_reply(value) else value

    def put(self, request: dict, value: Any, *args: Any, **kwargs: Any) -> None:
        if not is_empty_reply(value):
            self.inner.put(request, value, *args, **kwargs)


def skip_empty_replies() -> None:
    """Wrap ``dspy.cache`` (whatever cache is configured now) once; called for every LM built
    with its cache on."""
    current = dspy.cache  # DSPy builds its default cache on first read
    if not isinstance(current, SkipEmptyReplies):
        dspy.cache = SkipEmptyReplies(current)
