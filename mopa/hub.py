"""Whether the Hugging Face hub can be reached, asked before ``datasets`` is.

With no network, ``datasets.load_dataset`` retries for some 25 seconds, printing a line per
retry, before it says "Couldn't reach 'LongLaMP/LongLaMP'". One connection to the hub (a name
lookup and a TCP connect, at most ``CONNECT_TIMEOUT`` seconds) tells the same at once. Offline
mode (``HF_HUB_OFFLINE=1``), in which ``datasets`` reads its cache without a request, skips the
check, and so does a configured proxy, through which the hub may answer although a direct
connection cannot.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

DEFAULT_ENDPOINT = "https://huggingface.co"
CONNECT_TIMEOUT = 5.0
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                   "all_proxy")


def _set(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def check_reachable(source: str) -> None:
    """Refuse ``source`` (a hub data source) in one line when the hub cannot be reached."""
    if any(_set(v) for v in OFFLINE_VARIABLES) or any(os.environ.get(v) for v in PROXY_VARIABLES):
        return
    parts = urlsplit(os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT)
    if not parts.hostname:
        return  # a malformed HF_ENDPOINT is for the hub client to report
    port = parts.port or (80 if parts.scheme == "http" else 443)
    try:
        with socket.create_connection((parts.hostname, port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as e:
        if isinstance(e, socket.gaierror):
            why = "its name does not resolve: no network or no DNS"
        elif isinstance(e, TimeoutError):
            why = f"no answer in {CONNECT_TIMEOUT:g} s"
        else:
            why = e.strerror or str(e)
        raise RuntimeError(
            f"{source}: cannot reach the Hugging Face hub at {parts.hostname} ({why}); pass "
            "a local .jsonl file of the data as --data, or set HF_HUB_OFFLINE=1 to read the "
            "copy already in the datasets cache") from None
