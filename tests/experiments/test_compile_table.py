"""The compile table reads what `mopa compile` saved, and its command reproduces the compile."""

from mopa.cli import build_parser
from mopa.experiments.compile_table import compile_section
from mopa.experiments.results_doc import write_results
from mopa.optimizers.settings import SplitSettings
from mopa.programs import ProgramChoice
from mopa.runs.settings import RunSettings
from mopa.settings import from_args, recorded


def test_a_compile_with_test_examples_is_a_row_with_its_command(tmp_path, capsys):
    from mopa.cli import main

    program_file = tmp_path / "runs" / "compile" / "reviews" / "program.json"
    argv = ["compile", "--data", "demo:product_review", "--program", "rag", "--train", "3",
            "--val", "2", "--test", "3", "--lm", "fake", "--program-file", str(program_file),
            "--tracking-uri", f"sqlite:///{tmp_path / 'm.db'}", "--no-progress"]
    assert main(argv) == 0
    capsys.readouterr()
    text = compile_section(tmp_path / "runs")
    row = next(line for line in text.splitlines() if line.startswith("| product_review"))
    assert "| rag | bootstrap | 3/2 | 3 |" in row and " → " in row
    command = next(line for line in text.splitlines() if line.startswith("- `mopa compile"))
    args = build_parser().parse_args(command.strip("- `").split()[1:])
    given = build_parser().parse_args(argv)
    for cls in (RunSettings, ProgramChoice):  # what changes outputs (not --no-progress)
        assert recorded(from_args(cls, args)) == recorded(from_args(cls, given))
    assert from_args(SplitSettings, args) == from_args(SplitSettings, given)
    assert "`gepa`: yes" in text and "`bootstrap`: no" in text


def test_no_compile_no_section(tmp_path):
    assert compile_section(tmp_path) == ""
    assert callable(write_results)
