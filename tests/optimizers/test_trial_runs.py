"""A study's MLflow runs read without picking columns: names, descriptions, datasets, commit,
and the parent carrying the best trial (optimizers/trial_runs.py, mopa/runs/run_context.py)."""

import re

import mlflow
import optuna
import pytest

from mopa.optimizers.trial_runs import trial_name
from mopa.runs import run_context
from mopa.runs.code_version import git_commit
from mopa.runs.settings import DataSettings
from tests.conftest import review_record
from tests.optimizers.test_tune import load_study, mlflow_runs, run_tune

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture
def kwargs(tmp_path, monkeypatch, write_jsonl, request):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    data = write_jsonl([review_record(f"user{i}", n_profile=3 + i) for i in range(3)])
    yield {"data": str(data), "study": "s", "experiment": request.node.name,
           "storage": f"sqlite:///{tmp_path / 'optuna.db'}",
           "tracking_uri": f"sqlite:///{tmp_path / 'mlflow.db'}", "out": str(tmp_path / "runs"),
           "lm": "fake", "limit": 2, "agents": "1-2", "layers": "1-2", "progress": False}
    mlflow.set_tracking_uri(None)


def test_trial_and_parent_runs_say_structure_score_data_and_commit(kwargs):
    run_tune(trials=3, **kwargs)
    client, [parent], children = mlflow_runs(kwargs)
    study = load_study(kwargs)
    assert study.metric_names == ["meteor"]  # optuna-dashboard's label, not "Objective 0"
    examples = DataSettings(kwargs["data"], limit=2).examples()
    by_number = {t.number: t for t in study.trials}
    for child in children:
        trial = by_number[int(child.data.tags["optuna.trial_number"])]
        structure = run_context.structure(trial.user_attrs["config"])
        assert child.info.run_name == f"t{trial.number} {structure} · meteor {trial.value:.3f}"
        assert child.data.tags["mlflow.note.content"].startswith(f"Trial {trial.number} of")
        assert child.data.tags["mlflow.source.name"] == "mopa tune"
        assert child.data.tags.get(run_context.GIT_TAG) == git_commit()
        [data] = child.inputs.dataset_inputs
        assert data.dataset.digest == run_context.digest(examples)
        assert data.dataset.name == "data.jsonl"
        assert {t.key: t.value for t in data.tags} == {"mlflow.data.context": "trials", "n": "2"}
    if git_commit():  # running from the checkout (as the tests do): the commit is HEAD's
        assert re.fullmatch(r"[0-9a-f]{40}", git_commit())

    best = study.best_trial
    tags, metrics = parent.data.tags, parent.data.metrics
    assert parent.info.run_name.startswith(f"s · best t{best.number} ")
    assert parent.info.run_name.endswith(f"· meteor {best.value:.3f}")
    assert tags["best_trial"] == str(best.number)
    assert tags["best_run_id"] == best.user_attrs["mlflow_run_id"]
    assert {k: tags[f"best.{k}"] for k in best.params} == {k: str(v)
                                                           for k, v in best.params.items()}
    # Under the trials' own metric names, so parents of any study compare column by column.
    for name in ("meteor", "rouge1", "rougeL"):
        assert metrics[name] == pytest.approx(best.user_attrs["final"][name])
    assert metrics["lm_calls"] == pytest.approx(best.user_attrs["per_example"]["lm_calls"])
    assert parent.data.tags["mlflow.note.content"].startswith("Optuna study `s` (maximize meteor)")
    assert parent.inputs.dataset_inputs[0].dataset.digest == run_context.digest(examples)
    # Updated as trials finished: the best-so-far after each one.
    history = sorted(client.get_metric_history(parent.info.run_id, "meteor"),
                     key=lambda m: (m.step, m.timestamp))
    values = [t.value for t in sorted(study.trials, key=lambda t: t.number)]
    assert history[-1].value == pytest.approx(max(values))
    assert {m.step for m in history} == {1, 2, 3}
    assert all(a.value <= b.value + 1e-12 for a, b in zip(history, history[1:], strict=False))


def test_a_multi_objective_parent_names_its_pareto_front(kwargs):
    run_tune(trials=2, objectives="meteor,lm_calls", **kwargs)
    _, [parent], _ = mlflow_runs(kwargs)
    front = sorted(t.number for t in load_study(kwargs).best_trials)
    assert parent.info.run_name == "s · Pareto front " + ", ".join(f"t{n}" for n in front)


def test_trial_names():
    config = {"preset": "rag-mopa", "agents": [{}, {}], "layers": 2, "aggregator": "fusion"}
    assert trial_name(3, config) == "t3 rag-mopa 2×2 fusion"
    assert trial_name(3, config, {"meteor": 0.10449}) == "t3 rag-mopa 2×2 fusion · meteor 0.104"
    assert trial_name(3, config, failed=True) == "t3 rag-mopa 2×2 fusion · failed"
    assert trial_name(0, {"preset": "planpers", "agents": [], "layers": 0}) == "t0 planpers"


def test_a_failed_trial_is_named_failed_and_the_parent_keeps_the_best(kwargs, monkeypatch):
    from mopa.optimizers import tune as tune_module

    real_build, calls = tune_module.build_program, []

    def first_one_explodes(config, lms):
        calls.append(config.preset)
        if len(calls) == 1:
            raise RuntimeError("exploded")
        return real_build(config, lms)

    monkeypatch.setattr(tune_module, "build_program", first_one_explodes)
    run_tune(trials=2, **kwargs)
    _, [parent], children = mlflow_runs(kwargs)
    names = {int(c.data.tags["optuna.trial_number"]): c.info.run_name for c in children}
    assert names[0].startswith("t0 ") and names[0].endswith(" · failed")
    assert " · meteor 0." in names[1]
    assert parent.info.run_name.startswith("s · best t1 ")
