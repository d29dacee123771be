"""Flags generated from the settings dataclasses, their checks, and a light ``mopa --help``."""

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

from mopa.cli import build_parser, main
from mopa.flags import add_flags
from mopa.optimizers.settings import SEARCHED_OPTIONS
from mopa.programs import ProgramChoice, ProgramOptions
from mopa.runs.settings import DataSettings, RunSettings
from mopa.settings import from_args, recorded, setting, to_argv


@dataclass(frozen=True)
class Inner:
    depth: float | None = setting(None, "how deep", flag="--inner-depth")


@dataclass(frozen=True)
class Knobs:
    size: int = setting(3, "how many")
    mode: str = setting("a", "which mode", choices=("a", "b"))
    loud: bool = setting(False, "be loud")
    quiet_field: int = setting(0, "changes no output", recorded=False)
    inner: Inner = field(default_factory=Inner)


@dataclass(frozen=True)
class MoreKnobs(Knobs):
    new_knob: str | None = setting(None, "a field added later")


def _parse(cls, argv, **kwargs):
    parser = argparse.ArgumentParser()
    add_flags(parser, cls, **kwargs)
    return parser.parse_args(argv)


def test_each_field_is_a_flag_typed_from_its_annotation():
    args = _parse(Knobs, ["--size", "5", "--mode", "b", "--loud", "--inner-depth", "0.5"])
    assert from_args(Knobs, args) == Knobs(5, "b", True, 0, Inner(0.5))
    assert from_args(Knobs, _parse(Knobs, ["--no-loud"])) == Knobs()
    with pytest.raises(SystemExit):
        _parse(Knobs, ["--mode", "c"])
    with pytest.raises(SystemExit):
        _parse(Knobs, ["--size", "many"])


def test_a_new_field_is_a_new_flag():
    assert from_args(MoreKnobs, _parse(MoreKnobs, ["--new-knob", "x"])).new_knob == "x"
    with pytest.raises(SystemExit):
        _parse(Knobs, ["--new-knob", "x"])


def test_only_exclude_and_defaults_shape_one_commands_flags():
    args = _parse(Knobs, [], exclude=("mode", "depth"), defaults={"size": 9})
    assert not hasattr(args, "mode") and not hasattr(args, "inner_depth")
    assert from_args(Knobs, args) == Knobs(size=9)  # excluded fields keep their defaults
    assert set(vars(_parse(Knobs, [], only=("loud",)))) == {"loud"}


def test_recorded_values_round_trip_through_the_command_line():
    knobs = MoreKnobs(size=2, loud=True, quiet_field=7, inner=Inner(0.25), new_knob="n")
    values = recorded(knobs)
    assert values == {"size": 2, "mode": "a", "loud": True, "inner_depth": 0.25, "new_knob": "n"}
    assert from_args(MoreKnobs, _parse(MoreKnobs, to_argv(MoreKnobs, values))) == MoreKnobs(
        size=2, loud=True, inner=Inner(0.25), new_knob="n")


def test_a_number_setting_that_is_on_by_default_is_turned_off_with_none():
    @dataclass(frozen=True)
    class Policy:
        factor: float | None = setting(1.5, "on by default")
        count: int = setting(2, "never off")

    assert from_args(Policy, _parse(Policy, ["--factor", "none"])) == Policy(factor=None)
    assert from_args(Policy, _parse(Policy, ["--factor", "2"])) == Policy(factor=2.0)
    with pytest.raises(SystemExit):
        _parse(Policy, ["--count", "none"])
    assert to_argv(Policy, recorded(Policy(factor=None))) == ["--factor", "none", "--count", "2"]


def test_every_program_option_is_a_flag_of_every_command_that_builds_programs():
    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    options = {name for name in ProgramOptions.__dataclass_fields__}
    for command in ("run", "compile", "experiment", "tune"):
        dests = {a.dest for a in subcommands[command]._actions}
        names = {("proposer_lm" if o == "lm" else o) for o in options}
        if command == "tune":  # searched there: a pool or a range of SpaceFlags
            names -= set(SEARCHED_OPTIONS)
            names |= {"aggregators", "similarities", "refines", "aggregator_temperature",
                      "length_factor", "target_factor", "stop_similarity"}
        assert names <= dests, (command, names - dests)


def test_one_flag_one_meaning_the_program_lm_is_not_the_default_lm():
    args = build_parser().parse_args(["run", "--data", "d", "--lm", "a", "--proposer-lm", "b"])
    assert from_args(RunSettings, args).lm == "a"
    assert from_args(ProgramChoice, args).options.lm == "b"


@pytest.mark.parametrize("flag, value, expected", [
    ("--k", "0", "--k 0: expected an integer >= 1"),
    ("--max-tokens", "0", "--max-tokens 0: expected an integer >= 1"),
    ("--temperature", "-1", "--temperature -1.0: expected a number from 0 to 2"),
    ("--workers", "0", "--workers 0: expected an integer >= 1"),
    ("--limit", "0", "--limit 0: expected N >= 1"),
])
def test_a_bad_value_exits_2_with_one_line_before_anything_is_written(
        flag, value, expected, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--data", "demo:product_review", "--lm", "fake", "--out", str(out),
                 flag, value]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mopa: error: {expected}") and err.count("\n") == 1
    assert not out.exists()


def test_bad_optimizer_and_study_values_are_refused_the_same_way(tmp_path, capsys):
    assert main(["compile", "--data", "demo:product_review", "--copro-breadth", "1",
                 "--program-file", str(tmp_path / "p.json")]) == 2
    assert "--copro-breadth 1: expected an integer >= 2" in capsys.readouterr().err
    assert main(["tune", "--data", "demo:product_review", "--trials", "-1",
                 "--out", str(tmp_path / "t")]) == 2
    assert "--trials -1: expected an integer >= 0" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_run_manifest_records_the_settings_that_change_outputs(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "--data", "demo:product_review", "--program", "rag", "--lm", "fake",
                 "--limit", "1", "--workers", "2", "--no-progress", "--out", str(out)]) == 0
    manifest = json.loads((out / "run.json").read_text())
    assert {k: manifest[k] for k in recorded(DataSettings("demo:product_review", limit=1))} == {
        "data": "demo:product_review", "limit": 1, "skip": 0, "selection": "first",
        "seed": 0}
    assert manifest["lm"] == "fake" and manifest["k"] == 4 and manifest["clean"] is True
    assert "workers" not in manifest and "progress" not in manifest


def test_mopa_help_imports_no_dspy_optuna_or_mlflow():
    code = ("import sys\nfrom mopa.cli import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "heavy = ('dspy', 'optuna', 'mlflow', 'mopa.runs.runner', 'mopa.optimizers.tune', "
            "'mopa.optimizers.compile')\n"
            "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stderr.strip() == "[]"
    assert "tune" in done.stdout and "experiment" in done.stdout
