"""Injected faults (``--lm 'fake?fail_rate=..&empty_rate=..'``): failed and empty outputs are
recorded failures, rerunning the same command finishes every example without duplicates, and
a run in which every example failed exits non-zero."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from mopa.cli import main
from mopa.lm import fake_lm
from mopa.lm.factory import make_lm
from mopa.lm.fake_faults import FaultDraws, parse_fake_spec
from mopa.runs.store import RunStore
from tests.conftest import review_record

FAULTY = "fake?fail_rate=0.2&empty_rate=0.1&seed=3"


@pytest.fixture
def data(write_jsonl):
    return write_jsonl([review_record(f"user{i}", n_profile=2 + i % 3) for i in range(12)])


def _run(data, out, lm=FAULTY, *extra):
    return main(["run", "--data", str(data), "--program", "rag", "--lm", lm, "--out", str(out),
                 "--no-progress", *extra])


def _lines(out):
    return [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]


def test_the_spec_sets_the_faults_and_refuses_typos():
    assert parse_fake_spec("fake?latency=0.2&fail_rate=0.2&empty_rate=0.1&seed=7") == {
        "latency": 0.2, "fail_rate": 0.2, "empty_rate": 0.1, "seed": 7}
    engine = make_lm("fake?fail_rate=0.5&seed=1").engine
    assert (engine.fail_rate, engine.empty_rate, engine.seed) == (0.5, 0.0, 1)
    for bad in ("fake?fail=0.2", "fake?seed=x", "fake?empty_rate=nan", "fake?latency",
                "fake?seed=1&seed=2", "fake?latency=inf"):
        with pytest.raises(ValueError, match="bad fake LM spec"):
            make_lm(bad)


def test_seeded_faults_come_near_their_rates():
    lm = fake_lm(fail_rate=0.2, empty_rate=0.1, seed=11)
    seen = Counter()
    for i in range(300):
        try:
            seen["empty" if not lm(f"prompt {i}")[0] else "ok"] += 1
        except Exception as e:
            assert "injected failure" in str(e)
            seen["failed"] += 1
    assert 40 <= seen["failed"] <= 80 and 15 <= seen["empty"] <= 45, seen


def test_seeded_draws_repeat_in_a_new_process_and_change_when_a_prompt_is_resent():
    code = ("from mopa.lm.fake_faults import FaultDraws; d = FaultDraws(424242); "
            "print([d.draw(p) for p in 'abc'])")
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout
    draws = FaultDraws(424242)
    here = [draws.draw(p) for p in "abc"]
    assert there.strip() == str(here)  # reproducible: a test sees the same faults every time
    assert [draws.draw(p) for p in "abc"] != here  # a rerun's resent prompt draws anew


def test_an_empty_output_is_a_failure_that_scores_zero(data, tmp_path, capsys):
    out = tmp_path / "run"
    assert _run(data, out, "fake?empty_rate=0.5&seed=3") == 0
    lines = _lines(out)
    empty = [r for r in lines if not r["prediction"]]
    assert empty and all(r["error"].startswith("EmptyOutput:") for r in empty)
    assert all(r["error"] is None for r in lines if r["prediction"])
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["failed"] == len(empty) and metrics["final"]["empty"] == len(empty)
    assert RunStore.read(out).keys() - {r["id"] for r in empty} == {
        r["id"] for r in lines if r["prediction"]}


@pytest.mark.parametrize("lm, workers", [
    (FAULTY, "1"),
    # Concurrent calls: seeded draws follow the prompt, not the order threads call in.
    (FAULTY + "&latency=0.01", "4"),
])
def test_rerunning_finishes_every_example_without_duplicates(data, tmp_path, capsys, lm,
                                                            workers):
    out = tmp_path / "run"
    failed = []
    for _ in range(8):
        assert _run(data, out, lm, "--workers", workers) == 0
        failed.append(json.loads((out / "metrics.json").read_text())["failed"])
        if failed[-1] == 0:
            break
    assert failed[0] > 0 and failed[-1] == 0, failed  # faults met, then all recovered
    lines = _lines(out)
    finished = Counter(r["id"] for r in lines if not r["error"])
    assert len(finished) == 12 and set(finished.values()) == {1}  # none finished twice
    # Only failures were rerun: each line is a failure or an example's one finished record.
    assert len(lines) == 12 + sum(1 for r in lines if r["error"])
    assert _run(data, out, lm) == 0 and len(_lines(out)) == len(lines)  # done: nothing reruns


def test_every_example_failing_exits_non_zero_with_one_line(data, tmp_path, capsys):
    out = tmp_path / "run"
    assert _run(data, out, "fake?fail_rate=1") == 2
    lines = capsys.readouterr().err.splitlines()
    # The run's planned calls, said when it starts, then the one error line.
    assert len(lines) == 2 and lines[0].startswith("mopa run: rag: 1 LM calls per example")
    err = lines[1]
    assert err.startswith("mopa: error: ")
    assert "all 12 examples of the run failed; first error: " in err and "injected" in err
    assert str(out) in err
    assert len(_lines(out)) == 12  # the failures are recorded, for the rerun to retry


def test_an_experiment_system_that_fails_everything_stops_the_experiment(data, tmp_path,
                                                                          capsys):
    code = main(["experiment", "table", "--data", str(data), "--systems", "rag",
                 "--lm", "fake?fail_rate=1", "--out", str(tmp_path / "x"), "--no-progress"])
    assert code == 2
    assert "examples of system RAG-Personalized failed" in capsys.readouterr().err


def test_a_study_in_which_every_trial_failed_exits_non_zero(data, tmp_path, capsys):
    code = main(["tune", "--data", str(data), "--limit", "2", "--lm", "fake?fail_rate=1",
                 "--trials", "2", "--presets", "rag-mopa", "--agents", "1", "--layers", "1",
                 "--study", "s", "--storage",
                 f"sqlite:///{tmp_path}/o.db", "--tracking-uri", f"sqlite:///{tmp_path}/m.db",
                 "--out", str(tmp_path / "t"), "--no-progress"])
    assert code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("mopa: error: no trial of study 's' completed ({'FAIL': 2})")
    assert "first failure: " in last and "injected" in last


def test_latency_slows_each_call():
    import time

    lm = make_lm("fake?latency=0.05")
    start = time.perf_counter()
    lm("hello")
    assert time.perf_counter() - start >= 0.05
