"""Expected warnings are counted and said once; --verbose shows them as they come."""

import json
import logging
import subprocess
import sys

from mopa.quiet import DSPY_LM_LOGGER, quiet_llama, quiet_logs
from mopa.runs.runner import events_line
from mopa.tally import tallied

RUN = [sys.executable, "-m", "mopa.cli", "run", "--data", "demo:product_review", "--limit", "3",
       "--program", "rag", "--lm", "fake", "--length-factor", "none", "--max-tokens", "8",
       "--no-progress"]


def test_a_truncation_warning_is_counted_not_printed(caplog):
    quiet_logs()
    try:
        with tallied() as tally, caplog.at_level(logging.WARNING):
            logging.getLogger(DSPY_LM_LOGGER).warning(
                "LM response was truncated; increase max_tokens or inspect history.")
            logging.getLogger(DSPY_LM_LOGGER).warning("something else")
        assert tally["truncated"] == 1
        assert [r.getMessage() for r in caplog.records] == ["something else"]
    finally:
        quiet_logs(verbose=True)


def test_llama_notes_go_to_a_silent_callback_unless_verbose():
    class FakeLlamaCpp:  # the two names of llama_cpp's binding quiet_llama uses
        def __init__(self):
            self.installed = []

        def llama_log_callback(self, function):
            return function

        def llama_log_set(self, callback, user_data):
            self.installed.append(callback)

    binding = FakeLlamaCpp()
    quiet_logs()
    quiet_llama(binding)
    assert len(binding.installed) == 1 and binding.installed[0](2, b"note", None) is None
    quiet_logs(verbose=True)
    quiet_llama(binding)
    assert len(binding.installed) == 1  # verbose: llama.cpp's own printing stays


def test_the_summary_line_says_each_event_once():
    assert events_line({"lm_calls": 360, "truncated": 212, "resampled": 0}) == (
        "212 of 360 LM calls hit the token budget (cut back to their last whole sentence)")
    assert events_line({"lm_calls": 360, "truncated": 1, "resampled": 0}, trimmed=False) == (
        "1 of 360 LM calls hit the token budget (kept as they ended)")
    assert events_line({"lm_calls": 9, "truncated": 0, "resampled": 5}) == (
        "5 short or empty texts were written again")
    assert events_line({"lm_calls": 9, "truncated": 0, "resampled": 0}) == ""


def test_a_run_prints_one_summary_line_and_no_repeated_warning(tmp_path):
    quiet = subprocess.run(RUN + ["--out", str(tmp_path / "quiet")], capture_output=True,
                           text=True, check=True)
    lines = [line for line in quiet.stderr.splitlines() if line.strip()]
    assert not any("truncated" in line for line in lines), quiet.stderr
    assert len(lines) == len(set(lines)), quiet.stderr
    summary = [line for line in lines if "hit the token budget" in line]
    events = json.loads((tmp_path / "quiet" / "metrics.json").read_text())["events"]
    assert events["truncated"] >= 2 and summary == [
        f"mopa: rag: {events['truncated']} of {events['lm_calls']} LM calls hit the token "
        "budget (cut back to their last whole sentence); "
        f"{events['resampled']} short or empty texts were written again"]
    loud = subprocess.run(RUN + ["--out", str(tmp_path / "loud"), "--verbose"],
                          capture_output=True, text=True, check=True)
    assert loud.stderr.count("LM response was truncated") == events["truncated"]


def test_an_experiment_of_several_aggregators_prints_no_line_twice(tmp_path):
    # Every aggregator's run reuses the same drafts, and so the same budget events: each
    # summary must say which system it is about.
    argv = [sys.executable, "-m", "mopa.cli", "experiment", "agents", "--data",
            "demo:product_review", "--limit", "2", "--lm", "fake?empty_rate=0.5&seed=1",
            "--agents", "3", "--agent-counts", "3", "--no-progress",
            "--out", str(tmp_path / "agents")]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    summaries = [line for line in lines if "written again" in line]
    assert len(summaries) >= 2 and len(lines) == len(set(lines)), done.stderr
    assert all(line.startswith("mopa: rag-mopa 3x1 ") for line in summaries), summaries
