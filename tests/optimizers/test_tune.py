import json
from pathlib import Path
from types import SimpleNamespace

import dspy
import optuna
import pytest

from mopa.cli import main
from mopa.optimizers import tune as tune_module
from mopa.optimizers.search_space import SearchSpace
from mopa.optimizers.settings import StudySettings, TuneSettings
from mopa.optimizers.tune import scorable, tune
from mopa.programs import AGGREGATORS, ProgramConfig
from mopa.runs import tracking
from mopa.runs.settings import DataSettings, RunSettings
from tests.optimizers.tuning import load_study, mlflow_runs, run_tune

optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_each_trial_is_a_nested_run_with_params_metrics_and_predictions(kwargs, capsys):
    result = run_tune(trials=3, **kwargs)
    client, parents, children = mlflow_runs(kwargs)
    assert len(parents) == 1 and len(children) == 3
    parent = parents[0]
    assert parent.info.run_id == result["parent_run_id"]
    assert parent.data.params["study"] == "s"
    assert parent.data.params["storage"] == kwargs["storage"]
    assert parent.data.params["space_agents"] == "1-2"
    assert parent.data.params["space_length_factor"] == "1.0-2.0,none"
    assert "temperature" not in parent.data.params  # each trial's own, not the study's
    assert parent.info.status == "FINISHED"
    assert parent.data.metrics["complete_trials"] == 3

    study = load_study(kwargs)
    by_number = {t.number: t for t in study.trials}
    assert sorted(int(c.data.tags["optuna.trial_number"]) for c in children) == [0, 1, 2]
    for child in children:
        trial = by_number[int(child.data.tags["optuna.trial_number"])]
        params, metrics = child.data.params, child.data.metrics
        assert child.data.tags[tracking.PARENT_TAG] == parent.info.run_id
        assert child.info.status == "FINISHED"
        assert trial.user_attrs["mlflow_run_id"] == child.info.run_id
        assert json.loads(json.dumps(trial.user_attrs)) == trial.user_attrs
        config = ProgramConfig.from_dict(trial.user_attrs["config"])
        assert params["preset"] == config.preset == trial.params["preset"]
        assert int(params["agents"]) == len(config.agents) <= 2
        assert int(params["layers"]) == config.layers <= 2
        assert {f"role_{i}" for i in range(len(config.agents))} <= set(params)
        assert params["lm"] == "fake" and params["limit"] == "2" and params["api_base"] == "none"
        assert params["aggregator"] == config.aggregator == trial.params["aggregator"]
        assert params["aggregator_temperature"] == str(config.aggregator_temperature).lower()
        assert params["length_factor"] == str(config.length_factor).lower()
        assert {"refine", "similarity", "target_factor", "stop_similarity", "trim"} <= set(params)
        # The trial ran with its own run settings, recorded in MLflow and in its manifest.
        manifest = json.loads((Path(trial.user_attrs["run_dir"]) / "run.json").read_text())
        for name in ("temperature", "k", "max_words"):
            assert params[name] == str(trial.params[name]) == str(manifest[name])
        assert metrics["meteor"] == pytest.approx(trial.value)
        assert metrics["meteor"] == pytest.approx(trial.user_attrs["final"]["meteor"])
        assert metrics["lm_calls"] == config.lm_calls
        assert {"rouge1", "rougeL", "prompt_tokens", "completion_tokens", "seconds"} <= set(metrics)
        history = client.get_metric_history(child.info.run_id, "meteor_by_layer")
        assert sorted(m.step for m in history) == list(range(1, config.layers + 1))
        assert [layer["layer"] for layer in trial.user_attrs["layers"]] == [
            m.step for m in sorted(history, key=lambda m: m.step)]
        artifacts = {a.path for a in client.list_artifacts(child.info.run_id)}
        assert {"predictions.jsonl", "metrics.json"} <= artifacts
        run_dir = Path(trial.user_attrs["run_dir"])
        assert run_dir == Path(kwargs["out"]) / "s" / f"trial-{trial.number}"
        assert len((run_dir / "predictions.jsonl").read_text().splitlines()) == 2
    assert result["best"]["number"] == study.best_trial.number
    printed = capsys.readouterr().out
    assert f"mlflow ui --backend-store-uri {kwargs['tracking_uri']} --port 5000" in printed
    assert f"trial {study.best_trial.number}: meteor=" in printed


def test_rerunning_resumes_the_study_without_duplicates(kwargs):
    first = run_tune(trials=2, **kwargs)
    second = run_tune(trials=2, **kwargs)
    assert second["parent_run_id"] == first["parent_run_id"]
    trials = load_study(kwargs).trials
    assert [t.number for t in trials] == [0, 1, 2, 3]
    assert all(t.state.name == "COMPLETE" for t in trials)
    _, parents, children = mlflow_runs(kwargs)
    assert len(parents) == 1 and len(children) == 4
    assert sorted(int(c.data.tags["optuna.trial_number"]) for c in children) == [0, 1, 2, 3]
    assert {t.user_attrs["mlflow_run_id"] for t in trials} == {c.info.run_id for c in children}


def test_a_failing_trial_is_recorded_with_its_reason_and_the_study_goes_on(kwargs, monkeypatch):
    real_build = tune_module.build_program
    calls = []

    def first_one_explodes(config, lms):
        calls.append(config.preset)
        if len(calls) == 1:
            raise RuntimeError(f"preset {config.preset} exploded")
        return real_build(config, lms)

    monkeypatch.setattr(tune_module, "build_program", first_one_explodes)
    result = run_tune(trials=3, **kwargs)
    trials = load_study(kwargs).trials
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE", "COMPLETE"]
    reason = trials[0].user_attrs["fail_reason"]
    assert reason == f"RuntimeError: preset {calls[0]} exploded"
    assert result["trials"] == {"FAIL": 1, "COMPLETE": 2}
    client, _, children = mlflow_runs(kwargs)
    status = {int(c.data.tags["optuna.trial_number"]): c for c in children}
    assert status[0].info.status == "FAILED" and status[0].data.tags["fail_reason"] == reason
    assert status[1].info.status == status[2].info.status == "FINISHED"


class _Broken(dspy.Module):
    def forward(self, **inputs):
        raise ConnectionError("LM server unreachable")


def test_a_trial_whose_every_example_fails_is_a_failure_not_a_zero(kwargs, monkeypatch):
    monkeypatch.setattr(tune_module, "build_program", lambda config, lms: _Broken())
    result = run_tune(trials=1, **kwargs)
    trial = load_study(kwargs).trials[0]
    assert trial.state.name == "FAIL"
    assert "all 2 examples failed" in trial.user_attrs["fail_reason"]
    assert "LM server unreachable" in trial.user_attrs["fail_reason"]
    assert result["best"] is None


def test_a_study_with_trials_but_no_parent_run_is_reported_not_waited_on_forever(kwargs):
    study = optuna.create_study(study_name="s", storage=kwargs["storage"], direction="maximize")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)  # not made by mopa tune
    with pytest.raises(RuntimeError, match="has no MLflow parent run.*use a new --study"):
        run_tune(trials=1, parent_timeout=0.3, **kwargs)


def test_resuming_against_another_mlflow_store_is_refused(kwargs, tmp_path):
    run_tune(trials=0, **kwargs)
    kwargs["tracking_uri"] = f"sqlite:///{tmp_path / 'other-mlflow.db'}"
    with pytest.raises(RuntimeError, match="not in the tracking store.*pass the --tracking-uri"):
        run_tune(trials=0, **kwargs)


def test_journal_file_storage_works(kwargs, tmp_path):
    kwargs["storage"] = str(tmp_path / "study.log")
    result = run_tune(trials=1, **kwargs)
    assert result["trials"] == {"COMPLETE": 1}


def test_main_parses_flags_and_reports_errors(kwargs, capsys):
    argv = ["--data", kwargs["data"], "--study", "cli", "--storage", kwargs["storage"],
            "--trials", "1", "--limit", "2", "--lm", "fake", "--tracking-uri",
            kwargs["tracking_uri"], "--experiment", kwargs["experiment"], "--out",
            kwargs["out"], "--presets", "rag-mopa", "--agents", "1", "--layers", "1",
            "--roles", "style,none", "--aggregators", "longest", "--length-factor", "none",
            "--temperature", "0.5", "--k", "3", "--max-words", "60", "--trim", "--no-progress"]
    assert main(["tune", *argv]) == 0
    assert "compare trials: mlflow ui" in capsys.readouterr().out
    trial = optuna.load_study(study_name="cli", storage=kwargs["storage"]).trials[0]
    assert trial.params == {"preset": "rag-mopa", "agents": 1, "layers": 1,
                            "aggregator": "longest", "user_length": False, "temperature": 0.5,
                            "k": 3, "max_words": 60}
    manifest = json.loads((Path(trial.user_attrs["run_dir"]) / "run.json").read_text())
    assert (manifest["temperature"], manifest["k"], manifest["max_words"]) == (0.5, 3, 60)
    assert manifest["config"]["trim"] is True and manifest["config"]["length_factor"] is None
    assert main(["tune", *argv[:-1], "--agents", "3-1"]) == 2
    assert "--agents: expected N or LOW-HIGH" in capsys.readouterr().err
    assert main(["tune", *argv, "--stop-similarity", "2"]) == 2
    assert "--stop-similarity: expected X, LOW-HIGH with 0 < LOW <= HIGH <= 1, none" in (
        capsys.readouterr().err)
    assert main(["tune", *argv, "--storage", "optuna.db"]) == 2
    assert "sqlite:///optuna.db" in capsys.readouterr().err


def test_the_whole_space_runs_with_the_fake_lm(kwargs):
    result = run_tune(trials=6, objectives="meteor,lm_calls", **kwargs)
    trials = load_study(kwargs).trials
    assert result["trials"] == {"COMPLETE": 6}, [t.user_attrs.get("fail_reason") for t in trials]
    names = set().union(*(t.params for t in trials))
    assert {"aggregator", "user_length", "temperature", "k", "max_words"} <= names
    for t in trials:
        config = ProgramConfig.from_dict(t.user_attrs["config"])
        assert t.user_attrs["per_example"]["lm_calls"] == config.lm_calls  # no layer skipped


def test_scoring_aggregators_need_an_lm_that_scores():
    chat = SimpleNamespace(model="openai/gpt-4o")  # no engine with token log-probabilities
    assert scorable(SearchSpace(), chat).aggregators == tuple(
        a for a in AGGREGATORS if a not in ("likelihood", "contrast"))
    with pytest.raises(ValueError, match="--aggregators merge,likelihood: likelihood score "
                                         "drafts with log-probabilities, which openai/gpt-4o"):
        scorable(SearchSpace(aggregators=("merge", "likelihood")), chat)
    fake = RunSettings(lm="fake").lm_pool().default
    assert scorable(SearchSpace(), fake) == SearchSpace()


def test_fixed_values_of_searched_settings_are_refused(kwargs):
    with pytest.raises(ValueError, match="tune searches temperature=0.2"):
        tune(DataSettings(kwargs["data"]), RunSettings(lm="fake", temperature=0.2),
             StudySettings(), TuneSettings(trials=0))


def test_params_are_flattened():
    # (redaction has its own tests: tests/test_redaction.py)
    assert tracking.flatten_params({"roles": ["style", None], "t": None}) == {
        "roles": "style,none", "t": "none"}


def test_a_study_keeps_one_test_selection_disjoint_from_the_trials(kwargs, capsys):
    result = run_tune(trials=1, test_limit=1, **kwargs)
    assert result["test_selection"] == {"data": kwargs["data"], "limit": 1, "seed": 0, "n": 1}
    assert "held out for `mopa report`: 1 test examples" in capsys.readouterr().out
    recorded = load_study(kwargs).user_attrs["test_selection"]["ids"]
    trial_ids = {json.loads(line)["id"] for line in (
        Path(kwargs["out"]) / "s" / "trial-0" / "predictions.jsonl").read_text().splitlines()}
    assert len(recorded) == 1 and not set(recorded) & trial_ids
    with pytest.raises(ValueError, match="already holds out.*limit 1.*asks for.*limit 2"):
        run_tune(trials=0, test_limit=2, **kwargs)
    with pytest.raises(ValueError, match="--test-limit 2: only 1 of the 3 examples"):
        run_tune(trials=0, test_limit=2, **{**kwargs, "study": "other"})
