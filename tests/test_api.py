"""The Python API as the README shows it: its ```python block runs verbatim (fake LM)."""

import re
import subprocess
import sys
from pathlib import Path

import dspy

import mopa
from mopa.lm import fake_lm

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_snippet() -> str:
    """The first ```python block of the README's "Python API" section."""
    section = README.read_text(encoding="utf-8").split("## Python API", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README.md: no ```python block under '## Python API'"
    return match.group(1)


def test_the_readme_python_example_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(readme_snippet(), "README.md (Python API)", "exec"), namespace)
    printed = capsys.readouterr().out
    assert namespace["prediction"].output.strip() in printed
    scores = namespace["mopa"].score(namespace["prediction"], namespace["examples"][0].output)
    assert set(scores) == {"rouge1", "rougeL", "meteor"} and str(scores["meteor"])[:6] in printed
    # What it saved is what `mopa run --program-file` runs, demos included.
    loaded = mopa.load_program(tmp_path / "program.json")
    assert loaded.dump_state() == namespace["compiled"].dump_state()
    assert any(p.demos for _, p in namespace["compiled"].named_predictors())


def test_a_program_works_under_a_bare_dspy_configure():
    # No adapter configured: DSPy's ChatAdapter would fail on a base model (AdapterParseError);
    # the program's calls use MoPA's adapter instead.
    dspy.configure(lm=fake_lm())
    example = mopa.load("demo:product_review", limit=1)[0]
    for preset in ("rag", "planner-mopa"):
        program = mopa.build(preset, task=example.task, agents=2, layers=2)
        assert program(**mopa.inputs(example)).output.strip()


def test_every_program_saves_and_loads_back_the_no_lm_baseline_too(tmp_path):
    example = mopa.load("demo:product_review", limit=1)[0]
    for preset in ("copy-latest", "rag", "planpers", "rag-mopa"):
        path = mopa.save(mopa.build(preset, task=example.task), tmp_path / f"{preset}.json")
        loaded = mopa.load_program(path)
        assert loaded.config.preset == preset
    with dspy.context(lm=None):  # the baseline runs without an LM once loaded
        copy = mopa.load_program(tmp_path / "copy-latest.json")(**mopa.inputs(example))
    assert copy.output == example.latest_text()


def test_configure_takes_specs_and_lms_and_says_what_it_wants():
    lm = mopa.configure("fake@0.2")
    assert dspy.settings.lm is lm and lm.kwargs["temperature"] == 0.2
    assert type(dspy.settings.adapter).__name__ == "PlainTextAdapter"
    assert mopa.configure(fake_lm()) is dspy.settings.lm
    try:
        mopa.configure(42)
    except TypeError as e:
        assert "LM spec" in str(e) and "int" in str(e)
    else:
        raise AssertionError("configure(42) was accepted")


def test_import_mopa_stays_light():
    code = ("import sys, mopa; mopa.__all__; "
            "print(sorted(m for m in ('dspy', 'optuna', 'mlflow') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
