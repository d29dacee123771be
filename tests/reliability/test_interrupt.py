"""Ctrl-C during a run of examples: it stops within the LM calls in flight, keeps every example
that finished, and a rerun completes the rest without duplicates."""

from __future__ import annotations

import json
import signal
import threading
import time

import dspy
import pytest

from mopa.data import load_file
from mopa.lm import PlainTextAdapter, fake_lm
from mopa.programs import build_program, make_config
from mopa.runs.runner import run_examples
from mopa.runs.settings import RunSettings
from mopa.runs.stopping import StopGate, Stopped
from mopa.runs.store import RunStore
from tests.conftest import review_record

LATENCY = 0.2
SETTINGS = RunSettings(workers=2, progress=False)


def _interrupt_main_after(seconds: float) -> None:
    """SIGINT to the main thread, as a terminal's Ctrl-C would (Linux delivers it there)."""
    main = threading.main_thread().ident
    threading.Timer(seconds, signal.pthread_kill, (main, signal.SIGINT)).start()


def _ids(path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def test_ctrl_c_stops_within_the_calls_in_flight_and_keeps_what_finished(write_jsonl,
                                                                        tmp_path):
    examples = load_file(write_jsonl([review_record(f"u{i}") for i in range(12)]))
    # 1 planner + 2 proposers + 1 aggregator per example: ~0.6 s each, 12 on 2 workers ~3.6 s.
    program = build_program(make_config("planner-mopa", agents=2, layers=1))
    lm = fake_lm(lambda p: "a fine review", latency=LATENCY)
    calls_at_interrupt = []
    with RunStore(tmp_path / "run", {"t": 1}) as store, \
            dspy.context(lm=lm, adapter=PlainTextAdapter()):
        _interrupt_main_after(1.0)
        threading.Timer(1.0, lambda: calls_at_interrupt.append(len(lm.engine.calls))).start()
        start = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            run_examples(program, examples, store, SETTINGS)
        stopped_after = time.perf_counter() - start
    saved = _ids(tmp_path / "run" / "predictions.jsonl")
    # The old `with ThreadPoolExecutor` ran all 12 examples (~3.6 s) before raising.
    assert stopped_after < 1.0 + 3 * LATENCY + 0.5, stopped_after
    assert 0 < len(saved) < len(examples) and len(set(saved)) == len(saved)
    # Only the calls already sent (one per busy thread: 2 examples x 2 proposers) ran after.
    assert len(lm.engine.calls) <= calls_at_interrupt[0] + 4

    with RunStore(tmp_path / "run", {"t": 1}) as store, \
            dspy.context(lm=fake_lm(lambda p: "a fine review"), adapter=PlainTextAdapter()):
        assert run_examples(program, examples, store, SETTINGS) == len(examples) - len(saved)
    again = _ids(tmp_path / "run" / "predictions.jsonl")
    assert sorted(again) == sorted(ex.id for ex in examples)  # all, once each
    assert again[:len(saved)] == saved


def test_a_closed_gate_refuses_new_lm_calls_without_recording_a_failure():
    gate = StopGate()
    lm = fake_lm(lambda p: "ok")
    with dspy.context(lm=lm, callbacks=[gate]):
        assert lm("hi") == ["ok"]
        gate.close()
        # A BaseException, so neither DSPy's callback guard nor predict_one swallows it.
        with pytest.raises(Stopped):
            lm("hi again")
    assert len(lm.engine.calls) == 1


def test_an_interrupt_inside_a_save_after_its_write_does_not_save_it_twice():
    from mopa.runs.stopping import run_all

    written: list[int] = []

    def save(result: int) -> None:
        written.append(result)  # the record is on disk ...
        if len(written) == 1:
            raise KeyboardInterrupt  # ... when Ctrl-C lands, before save returns

    with pytest.raises(KeyboardInterrupt):
        run_all([lambda i=i: i for i in range(4)], workers=2, save=save)
    assert len(written) == len(set(written))
