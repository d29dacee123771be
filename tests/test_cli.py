"""The command line as a user meets it: help, version, default output places, flag names."""

import argparse
import json
import subprocess
import sys
import time

import pytest

from mopa.cli import build_parser, main

# Flags whose tune spelling takes a range or pool of what the other commands take as one value
# (tune's epilog says so), and flags worded differently with the same meaning (a compiled
# program file: compile writes it, run reads it).
RANGES = {"--agents", "--layers", "--k", "--max-words", "--temperature", "--length-factor",
          "--target-factor", "--stop-similarity", "--aggregator-temperature", "--roles",
          "--proposer-lms"}
SAME_MEANING = {"--metric", "--test-data", "--program-file"}


def _commands() -> dict[str, argparse.ArgumentParser]:
    """Every command's parser by name ("data stats" included)."""
    found = {}

    def walk(prefix: str, parser: argparse.ArgumentParser) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found[f"{prefix} {name}".strip()] = sub
                    walk(f"{prefix} {name}", sub)

    walk("", build_parser())
    return found


def _options(parser):
    return [a for a in parser._actions if a.dest != "help"
            and not isinstance(a, argparse._SubParsersAction)]


def test_every_flag_has_help_and_its_help_states_a_default():
    for name, parser in _commands().items():
        formatter = parser._get_formatter()
        for action in _options(parser):
            flag = action.option_strings[0] if action.option_strings else action.dest
            assert action.help, f"mopa {name} {flag} has no help"
            shown = formatter._get_help_string(action)
            if action.option_strings and not action.required:
                assert "default" in shown, f"mopa {name} {flag}: no default in {shown!r}"


def test_one_meaning_per_flag_name_across_commands():
    helps: dict[str, set[str]] = {}
    for parser in _commands().values():
        for action in _options(parser):
            for flag in action.option_strings:
                helps.setdefault(flag, set()).add(action.help)
    differing = {f for f, h in helps.items() if len(h) > 1}
    assert differing - RANGES - SAME_MEANING == {"--out"}
    # --out is always a directory the command writes into; files have their own names.
    for text in helps["--out"]:
        assert "directory" in text, text
    assert {"--program-file", "--metrics-file", "--doc"} <= set(helps)


def test_version_is_printed(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("mopa ")


def test_mopa_help_is_fast():
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "mopa.cli", "--help"], capture_output=True,
                          text=True, check=True)
    assert "--version" in done.stdout
    # Measured 0.15 s here; a heavy import at the top (DSPy alone is ~2 s) would break this.
    assert time.perf_counter() - start < 2.5


def _run(*extra: str) -> str:
    assert main(["run", "--data", "demo:product_review", "--program", "copy-latest",
                 "--lm", "fake", "--no-progress", *extra]) == 0


def test_default_run_directories_resume_the_same_command_and_never_collide(
        tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _run("--limit", "2")
    first = json.loads(capsys.readouterr().out)["out"]
    assert first.startswith("runs/run/copy-latest-")
    _run("--limit", "2", "--workers", "2")  # workers change no output: same directory
    assert json.loads(capsys.readouterr().out)["out"] == first
    _run("--limit", "3")  # another setting: its own directory, not a refusal
    captured = capsys.readouterr()
    other = json.loads(captured.out)["out"]
    assert other != first and other.startswith("runs/run/copy-latest-")
    assert f"output directory {other}" in captured.err
    assert len(list((tmp_path / "runs" / "run").iterdir())) == 2


def test_default_compile_file_and_labels_name_the_program_and_optimizer():
    from mopa import out_dirs
    from mopa.optimizers.settings import OptimizerSettings, SplitSettings
    from mopa.programs.config import ProgramChoice
    from mopa.runs.settings import DataSettings, RunSettings

    def path(**knobs):
        return out_dirs.compile_file(DataSettings("demo:product_review"), SplitSettings(),
                                     RunSettings(), ProgramChoice("rag-mopa", 2, 1),
                                     OptimizerSettings(**knobs))

    first = path()
    assert first.name == "program.json" and first.parent.name.startswith("rag-mopa-2x1-bootstrap-")
    assert path() == first and path(max_demos=4) != first
    assert out_dirs.program_label(first) == first.parent.name
    assert out_dirs.program_label("gepa.json") == "gepa"
    assert out_dirs.program_label("models:/reviews/3") == "reviews-3"


def test_a_refused_run_without_out_prints_only_its_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--data", "demo:product_review", "--lm", "gpt4", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mopa: error:") and "gpt4" in err[0]
    assert not (tmp_path / "runs").exists()
