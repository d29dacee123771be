"""A real ``mopa run`` stopped by Ctrl-C or killed with SIGKILL, then rerun: every finished
example is kept, none is computed twice, and Ctrl-C exits 130 within the calls in flight.
Also: a second writer on the same --out is refused while the first runs."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mopa.cli import main
from tests.reliability.finished_lines import lines, wait_for_lines

LATENCY = 0.3  # seconds per fake LM call: an example of planner-mopa 2x1 takes ~0.9 s
N = 12  # the demo's examples
RUN = ["run", "--lm", f"fake?latency={LATENCY}", "--data", "demo:product_review", "--program",
       "planner-mopa", "--agents", "2", "--layers", "1", "--workers", "2", "--no-progress"]


def _start(out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mopa.cli", *RUN, "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _lines(out: Path) -> list[str]:
    return lines(out / "predictions.jsonl")


def _wait_for_lines(out: Path, n: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    wait_for_lines(out / "predictions.jsonl", n, proc, timeout)


def _finished(lines: list[str]) -> dict[str, str]:
    """Complete lines (a kill may leave a torn last one) by id."""
    return {json.loads(line)["id"]: line for line in lines if line.endswith("\n")}


def test_ctrl_c_exits_130_within_the_calls_in_flight_and_the_rerun_completes(tmp_path):
    out = tmp_path / "run"
    proc = _start(out)
    _wait_for_lines(out, 2, proc)
    start = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    for line in proc.stderr:  # mopa's own stop ends with this line; then Python exits
        if "rerun the same command to resume" in line:
            stopped = time.perf_counter() - start
            break
    else:
        pytest.fail("no 'interrupted' message")
    _, err = proc.communicate(timeout=30)
    exited = time.perf_counter() - start
    assert proc.returncode == 130, err
    # The LM calls in flight (one per worker). The old `with ThreadPoolExecutor` ran every
    # queued example first (~4.5 s here).
    assert stopped < LATENCY + 1.0, stopped
    assert exited < LATENCY + 3.0, exited  # with the interpreter's exit, on a busy machine
    kept = _finished(_lines(out))
    assert 2 <= len(kept) < N

    assert main([*RUN, "--out", str(out)]) == 0  # the rerun: the same command
    after = _lines(out)
    ids = [json.loads(line)["id"] for line in after]
    assert len(ids) == len(set(ids)) == N
    assert all(after[i] == line for i, line in enumerate(kept.values()))  # kept, not redone


def test_kill_9_at_random_points_loses_no_finished_example_and_duplicates_none(tmp_path):
    out = tmp_path / "run"
    rng = random.Random(12)
    seen: dict[str, str] = {}
    for _ in range(3):
        proc = _start(out)
        _wait_for_lines(out, len(seen) + 1, proc)
        time.sleep(rng.uniform(0, 2 * LATENCY))  # anywhere in the next example, or its write
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        now = _finished(_lines(out))
        assert all(now[i] == line for i, line in seen.items()), "a finished example was lost"
        seen = now
    assert len(seen) < N
    assert main([*RUN, "--out", str(out)]) == 0
    final = _lines(out)
    ids = [json.loads(line)["id"] for line in final]
    assert len(ids) == len(set(ids)) == N
    assert all(_finished(final)[i] == line for i, line in seen.items())


def test_a_second_run_on_the_same_out_is_refused_while_the_first_runs(tmp_path, capsys):
    out = tmp_path / "run"
    proc = _start(out)
    try:
        _wait_for_lines(out, 1, proc)
        assert main([*RUN, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"in use by pid {proc.pid}" in err and "another --out" in err
    finally:
        proc.kill()
        proc.wait()
    assert main([*RUN, "--out", str(out)]) == 0  # the lock died with its holder
    assert len({json.loads(line)["id"] for line in _lines(out)}) == len(_lines(out)) == N
