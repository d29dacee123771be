"""A temperature outside [0, 2] (what LM providers and DSPy's request check accept) is refused
when the settings are built: one error line, exit 2, and no run directory, so the corrected
rerun into the same --out runs."""

from __future__ import annotations

import pytest

from mopa.cli import main

RUN = ["run", "--lm", "fake", "--no-progress", "--program", "rag", "--data",
       "demo:product_review", "--limit", "2"]

CASES = {
    "run --temperature 5": (["--temperature", "5"], "--temperature 5.0: expected a number "
                            "from 0 to 2"),
    "run --lm fake@5": (["--lm", "fake@5"], "bad LM spec 'fake@5': the temperature after '@' "
                        "must be a number from 0 to 2"),
    "run --planner-lm fake@2.5": (["--program", "planner-mopa", "--agents", "2", "--layers",
                                   "1", "--planner-lm", "fake@2.5"], "'fake@2.5'"),
    "run --aggregator-temperature 5": (["--program", "rag-mopa", "--agents", "2", "--layers",
                                        "1", "--aggregator-temperature", "5"],
                                       "--aggregator-temperature 5.0: expected a number from 0 "
                                       "to 2"),
}


@pytest.mark.parametrize("flags, expected", CASES.values(), ids=CASES.keys())
def test_a_temperature_over_2_is_refused_before_the_run_directory(tmp_path, capsys, flags,
                                                                  expected):
    out = tmp_path / "out"
    assert main([*RUN, "--out", str(out), *flags]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err, err
    assert not out.exists()
    assert main([*RUN, "--out", str(out)]) == 0  # the corrected rerun is not "changed"


def test_the_bounds_are_accepted(tmp_path):
    for t in ("0", "2"):
        assert main([*RUN, "--out", str(tmp_path / t), "--temperature", t]) == 0


@pytest.mark.parametrize("flag, value", [("--temperature", "0.5-3"),
                                         ("--aggregator-temperature", "0-2.5")])
def test_tune_refuses_a_temperature_range_over_2(tmp_path, capsys, flag, value):
    assert main(["tune", "--lm", "fake", "--no-progress", "--data", "demo:product_review",
                 "--trials", "1", "--storage", f"sqlite:///{tmp_path}/o.db",
                 "--out", str(tmp_path / "runs"), flag, value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "HIGH <= 2" in err, err
    assert not (tmp_path / "runs").exists() and not (tmp_path / "o.db").exists()
