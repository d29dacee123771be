"""``mopa run --metrics/--scoring-lm/--judge-*``: the chosen metrics in metrics.json, the judge's
usage kept apart from the system's, and metrics whose LM is missing refused up front."""

import json

import pytest
from mlflow import MlflowClient

from mopa.cli import main
from mopa.data import load_file
from mopa.runs.store import RunStore
from mopa.scoring.judge import make_judge
from mopa.scoring.run_scores import final_text
from tests.conftest import review_record


@pytest.fixture
def data(write_jsonl):
    return write_jsonl([review_record(f"user{i}", n_profile=3) for i in range(3)])


def _run(data, out, *flags):
    return main(["run", "--data", str(data), "--program", "rag", "--lm", "fake",
                 "--no-progress", "--out", str(out), *flags])


def test_a_judged_run_keeps_the_judge_usage_apart_from_the_system_usage(data, tmp_path,
                                                                       capsys):
    assert _run(data, tmp_path / "plain") == 0
    plain = json.loads(capsys.readouterr().out)
    assert _run(data, tmp_path / "judged", "--metrics", "reader,judge", "--judge-lm",
                "fake") == 0
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads((tmp_path / "judged" / "metrics.json").read_text())
    assert [k for k in saved["final"] if k not in ("n", "empty")] == ["reader", "judge"]
    assert saved["judge_usage"] == printed["judge_usage"]
    usage = saved["judge_usage"]
    # The final outputs and copy-latest, three examples each; never the layers' outputs.
    assert usage["judgments"] == 6 and usage["lm_calls"] >= 6 and usage["failures"] == 0
    assert usage["prompt_tokens"] > 0
    # The system's own calls and tokens are the unjudged run's: nothing of the judge's.
    assert printed["per_example"]["lm_calls"] == plain["per_example"]["lm_calls"]
    assert printed["per_example"]["prompt_tokens"] == plain["per_example"]["prompt_tokens"]
    assert "judge_usage" not in plain
    # The judge metric is the fake judge's scores of the recorded outputs.
    examples = load_file(data)
    records = RunStore.read(tmp_path / "judged")
    texts = [final_text(records[ex.id], True) for ex in examples]
    expected = make_judge("fake").score(texts, examples)
    assert saved["final"]["judge"] == pytest.approx(sum(expected) / len(expected))
    assert 0 <= saved["final"]["judge"] <= 1


def test_a_metric_without_its_lm_is_refused_before_the_run_in_one_line(data, tmp_path,
                                                                      capsys):
    assert _run(data, tmp_path / "r", "--metrics", "judge") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["mopa: error: metric 'judge' scores with a judge LM and none is configured; "
                   "pass --judge-lm SPEC"]
    assert not (tmp_path / "r").exists()  # refused before anything was written
    assert _run(data, tmp_path / "r", "--metrics", "fluency") == 2
    assert "pass --scoring-lm SPEC" in capsys.readouterr().err


def test_the_embedded_model_is_refused_as_a_judge_with_the_reason(data, tmp_path, capsys):
    assert _run(data, tmp_path / "r", "--metrics", "judge", "--judge-lm", "embedded") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "base model cannot follow a rubric" in err[0]
    assert "--judge-force" in err[0]
    assert not (tmp_path / "r").exists()


def test_a_pairwise_judge_is_refused_as_a_metric(data, tmp_path, capsys):
    assert _run(data, tmp_path / "r", "--metrics", "judge", "--judge-lm", "fake",
                "--judge-mode", "pairwise") == 2
    assert "--judge-mode 'pairwise'" in capsys.readouterr().err


def test_a_rerun_with_other_metrics_rescores_without_running_the_program(data, tmp_path,
                                                                        capsys):
    out = tmp_path / "r"
    assert _run(data, out) == 0
    lines = (out / "predictions.jsonl").read_text()
    assert _run(data, out, "--metrics", "repetition,meteor") == 0
    assert (out / "predictions.jsonl").read_text() == lines  # nothing re-run
    saved = json.loads((out / "metrics.json").read_text())
    assert [k for k in saved["final"] if k not in ("n", "empty")] == ["repetition", "meteor"]


def test_a_tracked_run_logs_reader_by_default_and_the_judge_usage_apart(data, tmp_path,
                                                                       capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # MLflow puts artifacts under ./mlruns
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert _run(data, tmp_path / "plain", "--tracking-uri", uri) == 0
    assert _run(data, tmp_path / "judged", "--tracking-uri", uri, "--metrics",
                "meteor,reader,judge", "--judge-lm", "fake") == 0
    capsys.readouterr()
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("mopa-run")
    runs = [r.data.metrics for r in client.search_runs([experiment.experiment_id])]
    [judged_run] = [m for m in runs if "judge" in m]
    [plain_run] = [m for m in runs if "judge" not in m]
    plain, judged = (json.loads((tmp_path / d / "metrics.json").read_text())
                     for d in ("plain", "judged"))
    assert plain_run["reader"] == pytest.approx(plain["final"]["reader"])
    assert judged_run["reader"] == pytest.approx(judged["final"]["reader"])
    assert {"rouge1", "rougeL", "meteor", "reader", "copy_latest_reader"} <= set(plain_run)
    assert not any(k.startswith("judge") for k in plain_run)
    assert judged_run["judge"] == pytest.approx(judged["final"]["judge"])
    assert judged_run["judge_lm_calls"] == judged["judge_usage"]["lm_calls"]
    assert judged_run["lm_calls"] == plain_run["lm_calls"]  # the system's calls only
