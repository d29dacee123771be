"""Where an API LM's key comes from: the environment only, read at call time."""

from __future__ import annotations

import os
from typing import Any

LOCAL_SERVER_PLACEHOLDER_KEY = "no-key"


def env_key(name: str) -> str:
    key = os.environ.get(name)
    if not key:
        raise ValueError(f"environment variable {name} is not set or empty; export it with "
                         "the API key for this LM")
    return key


def client_arguments(api_base: str | None, api_key_env: str | None) -> dict[str, Any]:
    """The LiteLLM connection arguments: the key from ``api_key_env``; with ``api_base`` and
    no variable a placeholder (a provider key from the environment is never handed to an
    arbitrary server); otherwise none, and LiteLLM's own environment lookup applies."""
    arguments: dict[str, Any] = {}
    if api_base is not None:
        arguments["api_base"] = api_base
    if api_key_env is not None:
        arguments["api_key"] = env_key(api_key_env)
    elif api_base is not None:
        arguments["api_key"] = LOCAL_SERVER_PLACEHOLDER_KEY
    return arguments
