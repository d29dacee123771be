import json
from pathlib import Path

import pytest
from mlflow import MlflowClient

from mopa.optimizers.compile import compile_program, split_examples
from mopa.optimizers.feedback import feedback, missing_words
from mopa.optimizers.settings import OptimizerSettings, SplitSettings
from mopa.program_files import load_program
from mopa.programs import ProgramChoice
from mopa.runs.settings import DataSettings, RunSettings, TrackingSettings
from mopa.runs.store import RunStore

DEMO = DataSettings("demo:product_review")
FAKE = RunSettings(lm="fake", progress=False)


def _split(train, val, seed=0, **test):
    return split_examples(DataSettings("demo:product_review", seed=seed),
                          SplitSettings(train=train, val=val, **test))


def _compile(tmp_path, out, program="rag", train=3, val=2, data=DEMO, test=None,
             traces=False, **optimizer):
    return compile_program(data, SplitSettings(train=train, val=val, test=test), FAKE,
                           ProgramChoice(program), OptimizerSettings(**optimizer), out=out,
                           tracking_settings=TrackingSettings(f"sqlite:///{tmp_path / 'm.db'}"),
                           traces=traces)


def test_split_is_disjoint_seeded_and_checked():
    train, val, test = _split(6, 4, seed=3)
    assert len(train) == 6 and len(val) == 4 and test == []
    assert not {e.id for e in train} & {e.id for e in val}
    assert _split(6, 4, seed=3)[0] == train
    with pytest.raises(ValueError, match="fewer than"):
        _split(10, 10)


def test_a_program_that_calls_no_lm_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "p.json"
    with pytest.raises(ValueError, match="copy-latest calls no LM"):
        _compile(tmp_path, out, program="copy-latest")
    assert not out.exists()


def test_test_split_is_disjoint_from_train_and_val_and_seeded():
    train, val, test = _split(5, 4, seed=3, test=3)
    assert len(test) == 3
    assert not {e.id for e in test} & {e.id for e in train + val}
    assert _split(5, 4, seed=3, test=3)[2] == test
    # From another source too: ids the optimizer saw are never test examples.
    train, val, test = _split(4, 2, test_data="demo:product_review")
    assert len(test) == 6 and not {e.id for e in test} & {e.id for e in train + val}
    with pytest.raises(ValueError, match="--test 4.*only 3 of the 12 examples"):
        _split(5, 4, test=4)


def test_compile_scores_before_and_after_on_a_held_out_test_split(tmp_path):
    out = tmp_path / "p.json"
    result = _compile(tmp_path, out, optimizer="mipro", train=4, val=3, test=3,
                      data=DataSettings("demo:product_review", seed=1))
    train, val, _ = _split(4, 3, seed=1, test=3)
    eval_dir = Path(result["eval_dir"])
    val_ids = set(RunStore.read(eval_dir / "after"))
    test_ids = set(RunStore.read(eval_dir / "test" / "after"))
    assert val_ids == {e.id for e in val}
    assert set(RunStore.read(eval_dir / "test" / "before")) == test_ids and len(test_ids) == 3
    assert not test_ids & (val_ids | {e.id for e in train})
    selection, test = result["selection"], result["test"]
    assert selection["n"] == 3 and test["n"] == 3
    assert "mipro chose the program on them" in selection["examples"]
    assert "disjoint by id from train and val" in test["examples"]
    assert test["after_vs_before"]["meteor"]["n"] == 3
    assert test["after_vs_copy_latest"]["rougeL"]["n"] == 3
    assert json.loads(out.read_text())["compile"]["test"]["n"] == 3
    run = MlflowClient(f"sqlite:///{tmp_path / 'm.db'}").get_run(result["mlflow_run_id"])
    assert {"selection_after_meteor", "test_after_meteor", "test_before_meteor"} <= set(
        run.data.metrics)


def test_compile_cli_prints_which_numbers_are_selection_and_which_test(tmp_path, capsys):
    from mopa.cli import main

    argv = ["compile", "--data", "demo:product_review", "--program", "rag", "--train", "3",
            "--val", "2", "--lm", "fake", "--program-file", str(tmp_path / "p.json"),
            "--tracking-uri", f"sqlite:///{tmp_path / 'm.db'}", "--no-progress"]
    assert main(argv + ["--test", "2"]) == 0
    out = capsys.readouterr().out
    printed = json.loads(out[out.index("{"):])  # after the optimizer's own log line
    assert printed["selection"]["n"] == 2 and printed["test"]["n"] == 2
    assert main(argv + ["--optimizer", "gepa", "--gepa-calls", "6",
                        "--program-file", str(tmp_path / "g.json")]) == 0
    printed = capsys.readouterr().out
    assert "no test split: the 'selection' numbers are on the validation examples" in printed


def test_bootstrap_compile_saves_a_program_that_reloads_with_its_demos(tmp_path):
    out = tmp_path / "program.json"
    uri = f"sqlite:///{tmp_path / 'm.db'}"
    result = _compile(tmp_path, out, program="planpers", train=4, val=3)
    selection = result["selection"]
    assert selection["before"]["n"] == 3 and selection["after"]["n"] == 3
    assert set(selection["after_vs_before"]) == {"rouge1", "rougeL", "meteor", "reader"}
    assert "bootstrap does not choose on them" in selection["examples"]
    assert result["test"] is None

    saved = json.loads(out.read_text())
    compiled_demos = {name: len(state["demos"]) for name, state in saved["state"].items()}
    assert any(n > 0 for n in compiled_demos.values())  # bootstrap attached demos
    assert all(state.get("lm") is None for state in saved["state"].values())  # no LM saved

    config, program = load_program(out)
    assert config.preset == "planpers"
    reloaded = {name: len(p.demos) for name, p in program.named_predictors()}
    assert reloaded == compiled_demos
    instructions = {name: p.signature.instructions for name, p in program.named_predictors()}
    assert instructions == {name: state["signature"]["instructions"]
                            for name, state in saved["state"].items()}

    client = MlflowClient(uri)
    run = client.get_run(result["mlflow_run_id"])
    assert run.data.params["optimizer"] == "bootstrap" and run.data.params["preset"] == "planpers"
    assert {"selection_before_meteor", "selection_after_meteor"} <= set(run.data.metrics)
    assert [a.path for a in client.list_artifacts(run.info.run_id)] == ["program.json"]


def test_run_accepts_a_compiled_program_file(tmp_path):
    from mopa.runs.runner import run

    out = tmp_path / "p.json"
    _compile(tmp_path, out)
    metrics = run(DataSettings("demo:product_review", limit=2), FAKE, out, tmp_path / "run")
    assert metrics["n"] == 2 and metrics["program"]["preset"] == "rag"


def test_feedback_says_what_lagged():
    fb = feedback("great strings", "These strings sound bright and the strings last long.")
    assert "Too short" in fb.feedback and "strings" not in missing_words(
        "great strings", "strings bright bright")
    assert "bright" in fb.feedback and 0 <= fb.score <= 1
    assert feedback("", "anything").score == 0.0


@pytest.mark.parametrize("optimizer", ["mipro", "copro", "gepa"])
def test_instruction_optimizers_run_end_to_end_and_reload(optimizer, tmp_path):
    out = tmp_path / "p.json"
    result = _compile(tmp_path, out, optimizer=optimizer, train=4, val=3, gepa_calls=12)
    assert result["selection"]["after"]["n"] == 3
    saved = json.loads(out.read_text())["state"]
    _, program = load_program(out)
    assert {n: p.signature.instructions for n, p in program.named_predictors()} == {
        n: s["signature"]["instructions"] for n, s in saved.items()}


def test_traces_option_logs_dspy_traces_to_mlflow(tmp_path):
    import mlflow

    uri = f"sqlite:///{tmp_path / 'm.db'}"
    _compile(tmp_path, tmp_path / "p.json", traces=True)
    mlflow.set_tracking_uri(uri)
    experiment = mlflow.get_experiment_by_name("mopa-compile")
    traces = mlflow.search_traces(locations=[experiment.experiment_id], return_type="list")
    assert len(traces) >= 2  # one per training example the optimizer ran (2 demos wanted)


def _compile_rag(out, max_demos, tmp_path):
    return _compile(tmp_path, out, train=4, val=3, max_demos=max_demos)


def _predictions(eval_dir):
    lines = (eval_dir / "predictions.jsonl").read_text().splitlines()
    return {r["id"]: r["prediction"] for r in map(json.loads, lines)}


def test_a_rerun_with_other_knobs_and_the_same_out_rescores_the_new_program(tmp_path):
    _compile_rag(tmp_path / "p.json", 1, tmp_path)
    stale = _predictions(tmp_path / "p-eval" / "after")
    _compile_rag(tmp_path / "p.json", 2, tmp_path)  # same --program-file, another --max-demos
    _compile_rag(tmp_path / "fresh.json", 2, tmp_path)  # the same compile, never run before
    rerun = _predictions(tmp_path / "p-eval" / "after")
    assert rerun == _predictions(tmp_path / "fresh-eval" / "after") != stale
    assert (_predictions(tmp_path / "p-eval" / "before")
            == _predictions(tmp_path / "fresh-eval" / "before"))


def test_run_refuses_to_resume_after_its_program_file_was_recompiled(tmp_path, capsys):
    from mopa.cli import main

    program, out = tmp_path / "p.json", tmp_path / "run"
    argv = ["run", "--data", "demo:product_review", "--program-file", str(program),
            "--lm", "fake", "--limit", "2", "--out", str(out), "--no-progress"]
    _compile_rag(program, 1, tmp_path)
    assert main(argv) == 0
    _compile_rag(program, 2, tmp_path)
    capsys.readouterr()
    assert main(argv) == 2
    assert "changed: program_hash" in capsys.readouterr().err
