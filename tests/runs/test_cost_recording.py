"""Every run records dollars beside calls and tokens: per example, in total, and in MLflow."""

import json

import dspy
import pytest

from mopa.cli import main
from mopa.data import load
from mopa.lm import PlainTextAdapter, fake_lm
from mopa.programs import build_program, make_config
from mopa.runs.runner import predict_one
from mopa.runs.settings import RunSettings

RUN = ["run", "--data", "demo:product_review", "--program", "planner-mopa", "--agents", "2",
       "--layers", "1", "--limit", "3", "--no-progress"]


def _records(out):
    return [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]


def test_a_priced_lm_costs_its_tokens_at_its_price(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*RUN, "--lm", "fake?price_in=2&price_out=8", "--out", str(out)]) == 0
    records = _records(out)
    for r in records:
        assert r["cost_usd"] == pytest.approx(r["prompt_tokens"] * 2e-6
                                              + r["completion_tokens"] * 8e-6)
        assert r["cost_usd"] > 0
    metrics = json.loads((out / "metrics.json").read_text())
    total = sum(r["cost_usd"] for r in records)
    assert metrics["cost_usd"] == pytest.approx(total)
    assert metrics["per_example"]["cost_usd"] == pytest.approx(total / 3)


def test_in_process_lms_cost_nothing(tmp_path, capsys):
    assert main([*RUN, "--lm", "fake", "--out", str(tmp_path / "run")]) == 0
    assert {r["cost_usd"] for r in _records(tmp_path / "run")} == {0.0}
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["cost_usd"] == 0.0


def test_a_cache_hit_costs_nothing():
    lm = fake_lm(cache=True, name="local/fake-cost-cache", price_in=2, price_out=8)
    program = build_program(make_config("rag", "product_review"))
    example = load("demo:product_review")[0]
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        first = predict_one(program, example, RunSettings(lm="fake"))
        again = predict_one(program, example, RunSettings(lm="fake"))
    assert first["cost_usd"] > 0 and first["lm_calls"] == again["lm_calls"] == 1
    assert again["cost_usd"] == 0 and again["prompt_tokens"] == 0


def test_every_run_says_its_planned_calls_first(tmp_path, capsys):
    assert main([*RUN, "--lm", "fake", "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    assert "mopa run: planner-mopa 2x1 merge: 4 LM calls per example x 3 examples\n" in err
    assert main([*RUN, "--lm", "fake?price_in=2&price_out=8", "--out",
                 str(tmp_path / "priced")]) == 0
    err = capsys.readouterr().err
    assert "4 LM calls per example x 3 examples; estimated $" in err
    assert "for 3 to run" in err
