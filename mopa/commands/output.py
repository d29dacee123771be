"""A command's JSON result on stdout (and in a file), secrets redacted."""

from __future__ import annotations

import json
from pathlib import Path

from mopa.redaction import redact


def print_json(obj: dict, out: str | None = None, written: dict | None = None) -> None:
    print(json.dumps(redact(obj), indent=2, sort_keys=False))
    if out:  # ``written`` (default: ``obj``) goes to the file
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(redact(written or obj), indent=2) + "\n", encoding="utf-8")
