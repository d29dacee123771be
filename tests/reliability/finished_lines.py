"""Watching a `mopa` subprocess's predictions file, shared by the signal and crash tests."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest


def lines(path: Path) -> list[str]:
    """The file's lines, each with its newline (a torn last line has none); none yet: []."""
    return path.read_text().splitlines(keepends=True) if path.exists() else []


def wait_for_lines(path: Path, n: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until ``path`` has ``n`` lines; fails the test if ``proc`` ends first or time runs out."""
    deadline = time.monotonic() + timeout
    while len(lines(path)) < n:
        if proc.poll() is not None:
            pytest.fail(f"mopa ended early ({proc.returncode}): {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"no {n} finished examples after {timeout} s")
        time.sleep(0.02)
