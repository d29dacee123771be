import socket
import time

import pytest

from mopa.cli import main

RUN = ["run", "--data", "demo:product_review", "--program", "planner-mopa", "--agents", "2",
       "--layers", "2", "--limit", "4", "--no-progress"]


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a dry run must not reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_run_dry_run_prints_the_estimate_and_writes_nothing(tmp_path, capsys, no_network):
    out = tmp_path / "run"
    assert main([*RUN, "--lm", "openai/gpt-4o", "--out", str(out), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "planner-mopa 2x2 merge: 4 examples x 7 LM calls (planners 1, proposers 4, " \
           "aggregator 2) = 28 calls" in text
    assert "$" in text and "no LM was called and nothing was written" in text
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_finished_run_costs_nothing_in_the_dry_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*RUN, "--lm", "fake?price_in=2&price_out=8", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main([*RUN, "--lm", "fake?price_in=2&price_out=8", "--out", str(out),
                 "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "0 examples x 7 LM calls" in text and "(4 already finished: free)" in text
    assert "total: 0 LM calls" in text and "$0.00" in text


def test_an_unknown_price_is_said_never_guessed(tmp_path, capsys):
    assert main([*RUN, "--lm", "openai/my-alias", "--api-base", "http://127.0.0.1:9/v1",
                 "--out", str(tmp_path / "r"), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "price unknown for openai/my-alias" in text and "$" not in text


def test_the_report_protocol_table_dry_run_is_offline_and_quick(tmp_path, capsys, no_network):
    start = time.perf_counter()
    assert main(["experiment", "table", "--report-protocol", "--data", "demo:product_review",
                 "--lm", "openai/gpt-4o", "--dry-run", "--out", str(tmp_path / "e")]) == 0
    seconds = time.perf_counter() - start
    text = capsys.readouterr().out
    lines = [line for line in text.splitlines() if line.startswith("  ")]
    assert len(lines) == 10  # copy-latest and the nine systems
    assert "copy-latest: no LM call" in text
    assert "Planner MoPA (planner-mopa 4x5 merge): 12 examples x 26 LM calls" in text
    assert text.count("$") >= 10 and "total: 2,232 LM calls" in text
    assert not (tmp_path / "e").exists()
    assert seconds < 60  # ~5 s of CPU; generous for a loaded machine


def test_tune_and_compile_dry_runs_open_no_study_and_write_nothing(tmp_path, capsys):
    assert main(["tune", "--data", "demo:product_review", "--lm", "openai/gpt-4o",
                 "--limit", "3", "--trials", "2", "--agents", "1-2", "--layers", "1-2",
                 "--out", str(tmp_path / "t"), "--storage", f"sqlite:///{tmp_path}/t.db",
                 "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "trial 1 of 2 (a random draw)" in text and "trial 2 of 2" in text
    assert main(["compile", "--data", "demo:product_review", "--lm", "openai/gpt-4o",
                 "--program", "rag", "--train", "4", "--val", "3", "--dry-run",
                 "--program-file", str(tmp_path / "p.json")]) == 0
    text = capsys.readouterr().out
    assert "before: the uncompiled program on the val split (rag): 3 examples" in text
    assert "not estimated: the optimizer decides its calls as it goes" in text
    assert list(tmp_path.iterdir()) == []
