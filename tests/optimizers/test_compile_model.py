"""``mopa compile`` logs the compiled program as an MLflow model that plain MLflow loads and
``mopa run --model`` runs; its run is readable and ``--traces`` nests under it
(optimizers/compile_runs.py, mopa/program_models.py, mopa/runs/run_tracking.py)."""

import json

import dspy
import mlflow
import pytest
from mlflow import MlflowClient

from mopa.cli import main
from mopa.data import load
from mopa.lm import PlainTextAdapter
from mopa.optimizers import compile as compile_module
from mopa.optimizers.compile import compile_program
from mopa.optimizers.settings import OptimizerSettings, SplitSettings
from mopa.program_files import load_program, program_state
from mopa.program_inputs import program_inputs
from mopa.programs import ProgramChoice
from mopa.runs import run_context
from mopa.runs.code_version import git_commit
from mopa.runs.settings import DataSettings, RunSettings, TrackingSettings

FAKE = RunSettings(lm="fake", progress=False)


@pytest.fixture
def uri(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # artifacts of new experiments go under ./mlruns
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    yield f"sqlite:///{tmp_path / 'm.db'}"
    mlflow.set_tracking_uri(None)
    mlflow.clear_active_model()  # mlflow.dspy.load_model set it: later tests log elsewhere


def _compile(tmp_path, uri, register=None, traces=False, program="rag-mopa"):
    return compile_program(DataSettings("demo:product_review"), SplitSettings(train=3, val=2),
                           FAKE, ProgramChoice(program, agents=2, layers=1),
                           OptimizerSettings(), out=tmp_path / "p.json",
                           tracking_settings=TrackingSettings(uri), traces=traces,
                           register=register)


def _outputs(program, examples):
    lm = FAKE.lm_pool().default
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        return [program(**program_inputs(ex, 4, 100)).output for ex in examples]


def test_the_logged_model_loads_with_plain_mlflow_and_reproduces_the_program(tmp_path, uri):
    result = _compile(tmp_path, uri, register="reviews")
    assert result["registered_model"] == "models:/reviews/1"
    _, saved = load_program(result["program_file"], FAKE.lm_pool())
    examples = load("demo:product_review")[:3]
    expected = _outputs(saved, examples)
    for model_uri in (result["model_uri"], result["run_model_uri"], "models:/reviews/1"):
        loaded = mlflow.dspy.load_model(model_uri)
        assert program_state(loaded) == program_state(saved)  # prompts and bootstrapped demos
        assert _outputs(loaded, examples) == expected
    assert any(len(p.demos) for _, p in saved.named_predictors())  # the state is not trivial


def test_compile_run_says_what_was_compiled_on_which_data(tmp_path, uri):
    result = _compile(tmp_path, uri)
    got = MlflowClient(uri).get_run(result["mlflow_run_id"])
    assert got.info.status == "FINISHED"
    before, after = (result["selection"][w]["meteor"] for w in ("before", "after"))
    assert got.info.run_name == f"compile bootstrap rag-mopa 2×1 merge · meteor " \
                                f"{before:.3f}→{after:.3f}"
    assert got.data.tags["mlflow.note.content"].startswith("`mopa compile` of rag-mopa")
    assert got.data.tags.get(run_context.GIT_TAG) == git_commit()
    contexts = {t.value for d in got.inputs.dataset_inputs for t in d.tags
                if t.key == "mlflow.data.context"}
    assert contexts == {"train", "validation"}
    assert got.data.params["optimizer"] == "bootstrap" and got.data.params["test"] == "0"


def test_run_model_runs_the_registered_program_like_its_file(tmp_path, uri, capsys):
    argv = ["compile", "--data", "demo:product_review", "--program", "rag", "--train", "3",
            "--val", "2", "--lm", "fake", "--program-file", str(tmp_path / "p.json"),
            "--tracking-uri", uri, "--register", "rag-reviews", "--no-progress"]
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert json.loads(printed.out[printed.out.index("{"):].split("\nno test split")[0])[
        "registered_model"] == "models:/rag-reviews/1"
    assert "mopa run --model models:/rag-reviews/1" in printed.err
    flags = ["--data", "demo:product_review", "--limit", "3", "--lm", "fake", "--no-progress"]
    assert main(["run", *flags, "--program-file", str(tmp_path / "p.json"),
                 "--out", str(tmp_path / "from-file")]) == 0
    assert main(["run", *flags, "--model", "models:/rag-reviews/1", "--tracking-uri", uri,
                 "--out", str(tmp_path / "from-model")]) == 0

    def predictions(name):
        lines = (tmp_path / name / "predictions.jsonl").read_text().splitlines()
        return sorted((r["id"], r["prediction"]) for r in map(json.loads, lines))

    assert predictions("from-model") == predictions("from-file")
    # With a tracking URI, the run is an MLflow run too (none without: see the file run).
    client = MlflowClient(uri)
    [logged] = client.search_runs([client.get_experiment_by_name("mopa-run").experiment_id])
    assert logged.info.run_name.startswith("rag compiled · meteor ")
    assert logged.data.params["program_file"] == "models:/rag-reviews/1"
    assert logged.inputs.dataset_inputs[0].dataset.name == "demo:product_review"
    assert logged.data.metrics["n"] == 3


def test_a_bad_model_uri_is_a_clear_error(tmp_path, uri, capsys):
    assert main(["run", "--data", "demo:product_review", "--limit", "1", "--lm", "fake",
                 "--model", "models:/missing/1", "--tracking-uri", uri, "--no-progress",
                 "--out", str(tmp_path / "r")]) == 2
    assert "cannot load the MLflow model models:/missing/1" in capsys.readouterr().err


def test_traces_nest_under_the_compile_run(tmp_path, uri):
    result = _compile(tmp_path, uri, traces=True, program="rag")
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("mopa-compile").experiment_id
    runs = client.search_runs([experiment])
    # No second, unlinked run: autolog logged into the compile's run (or runs nested in it).
    assert all(r.info.run_id == result["mlflow_run_id"]
               or r.data.tags.get("mlflow.parentRunId") == result["mlflow_run_id"] for r in runs)
    mlflow.set_tracking_uri(uri)
    traces = mlflow.search_traces(locations=[experiment], return_type="list")
    assert traces
    assert {t.info.request_metadata.get("mlflow.sourceRun") for t in traces} == {
        result["mlflow_run_id"]}


def test_a_failed_compile_leaves_its_run_failed(tmp_path, uri, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("optimizer broke")

    monkeypatch.setattr(compile_module, "run_optimizer", broken)
    with pytest.raises(RuntimeError, match="optimizer broke"):
        _compile(tmp_path, uri)
    client = MlflowClient(uri)
    [failed] = client.search_runs(
        [client.get_experiment_by_name("mopa-compile").experiment_id])
    assert failed.info.status == "FAILED"
    assert "optimizer broke" in failed.data.tags["fail_reason"]
