"""What an LM's tokens cost, in US dollars, from LiteLLM's bundled price table, offline.

The table is the JSON file LiteLLM ships and loads itself under
``LITELLM_LOCAL_MODEL_COST_MAP=True`` (``model_prices_and_context_window_backup.json``); it is
read directly, so a price costs neither the network nor LiteLLM's import (seconds, which a dry
run must not pay). In-process LMs cost nothing: the embedded model, and the fake unless its spec
gives it a price (``fake?price_in=X&price_out=Y``, dollars per million tokens, which its model
name carries: ``local/fake?price_in=X&price_out=Y``). A model the table does not hold (a
self-hosted ``openai/<alias>``) has no price: ``None``, never a guess.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl

from mopa.lm.fake import priced_name
from mopa.lm.fake_faults import PREFIX as FAKE_PREFIX
from mopa.lm.fake_faults import parse_fake_spec

TABLE_FILE = "model_prices_and_context_window_backup.json"
LOCAL_PREFIX = "local/"  # the model names of the in-process LMs (local/gemma-3-270m, local/fake)
PER_MILLION = 1e6


@dataclass(frozen=True)
class Price:
    """Dollars per token; ``cached_input`` for prompt tokens served from the provider's prompt
    cache (None: billed as other input)."""

    input: float
    output: float
    cached_input: float | None = None

    def cost(self, prompt_tokens: float, completion_tokens: float,
             cached_tokens: float = 0) -> float:
        cached = min(cached_tokens, prompt_tokens) if self.cached_input is not None else 0
        return ((prompt_tokens - cached) * self.input + cached * (self.cached_input or 0)
                + completion_tokens * self.output)


FREE = Price(0.0, 0.0)


def price_of_model(model: str) -> Price | None:
    """The price of a ``dspy.LM``'s model name (what DSPy's usage tracker keys usage by)."""
    if model.startswith(LOCAL_PREFIX):
        _, _, query = model.partition("?")
        values = {k: float(v) for k, v in parse_qsl(query)}
        return Price(values.get("price_in", 0.0) / PER_MILLION,
                     values.get("price_out", 0.0) / PER_MILLION)
    return table_price(model)


def price_of_spec(spec: str) -> Price | None:
    """The price of an LM spec as ``--lm`` takes it (``openai/gpt-4o``, ``text:openai/x``,
    ``embedded@0.3``, ``fake?price_in=2&price_out=8``)."""
    name = spec.rpartition("@")[0] if "@" in spec else spec
    name = name.strip().removeprefix("text:")
    if name == "embedded":
        return FREE
    if name == "fake" or name.startswith(FAKE_PREFIX):
        faults = parse_fake_spec(name) if name.startswith(FAKE_PREFIX) else {}
        return price_of_model(priced_name(faults.get("price_in", 0.0),
                                               faults.get("price_out", 0.0)))
    return table_price(name)


def model_of_spec(spec: str) -> str:
    """The model a spec names, as price messages say it (``openai/gpt-4o``)."""
    name = spec.rpartition("@")[0] if "@" in spec else spec
    return name.strip().removeprefix("text:")


def table_price(model: str) -> Price | None:
    """LiteLLM's price of ``model`` (``gpt-4o`` or ``openai/gpt-4o``), or None."""
    table = price_table()
    entry = table.get(model)
    provider, _, bare = model.partition("/")
    if entry is None and bare:
        candidate = table.get(bare)
        if candidate is not None and candidate.get("litellm_provider") == provider:
            entry = candidate
    if not entry:
        return None
    price_in, price_out = entry.get("input_cost_per_token"), entry.get("output_cost_per_token")
    if price_in is None or price_out is None:
        return None
    return Price(float(price_in), float(price_out), entry.get("cache_read_input_token_cost"))


@cache
def price_table() -> dict:
    """LiteLLM's bundled table (empty when LiteLLM is not installed: every API price unknown)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or spec.origin is None:
        return {}
    path = Path(spec.origin).parent / TABLE_FILE
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def usage_cost(model: str, usage: dict) -> float | None:
    """The dollars of one model's usage entry (DSPy's usage tracker: prompt_tokens,
    completion_tokens, prompt_tokens_details.cached_tokens), or None for an unknown price."""
    price = price_of_model(model)
    if price is None:
        return None
    details = usage.get("prompt_tokens_details") or {}
    return price.cost(int(usage.get("prompt_tokens") or 0),
                      int(usage.get("completion_tokens") or 0),
                      int(details.get("cached_tokens") or 0))
