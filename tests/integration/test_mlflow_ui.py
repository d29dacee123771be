"""A small study seen in the real MLflow UI through headless Chromium: the parent row names the
best trial and its score, the trial rows name their structure, and the parent's page shows the
best trial's metrics and params. Skips where Chromium is absent (apt-get install chromium)."""

import subprocess
import sys

import pytest

from tests.integration.conftest import browser

pytestmark = pytest.mark.integration



@pytest.fixture
def study(tmp_path):
    if browser.find_chromium() is None:
        pytest.skip("Chromium not installed (apt-get install chromium)")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    # The real command line, as a user runs it (a child process: nothing leaks into this one).
    done = subprocess.run(
        [sys.executable, "-m", "mopa.cli", "tune", "--data", "demo:product_review",
         "--lm", "fake", "--trials", "3", "--limit", "3", "--study", "ui",
         "--storage", f"sqlite:///{tmp_path / 'optuna.db'}", "--tracking-uri", uri,
         "--out", str(tmp_path / "runs"), "--no-progress"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return tmp_path, uri


def test_the_runs_table_and_the_parent_page_tell_the_best_trial(study):
    import optuna
    from mlflow import MlflowClient

    from mopa.runs.run_context import structure

    workdir, uri = study
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("mopa-tune").experiment_id
    trials = optuna.load_study(study_name="ui", storage=f"sqlite:///{workdir / 'optuna.db'}")
    best = trials.best_trial
    names = [f"t{t.number} {structure(t.user_attrs['config'])} · meteor {t.value:.3f}"
             for t in trials.trials]
    parent_name = f"ui · best {names[best.number]}"
    [parent] = [r for r in client.search_runs([experiment])
                if "mlflow.parentRunId" not in r.data.tags]

    with browser.mlflow_ui(uri, workdir) as base:
        table = browser.page_text(browser.runs_url(base, experiment),
                                  lambda text: "matching runs" in text)
        page = browser.page_text(browser.run_url(base, experiment, parent.info.run_id),
                                 lambda text: "Child runs" in text)

    # The runs table (sorted by meteor): the parent row names the best trial, structure and
    # score, and every trial row its own; the dataset column shows the examples' digest.
    assert "3 matching runs" not in table and "4 matching runs" in table, table[:2000]
    assert parent_name in table
    for name in names:
        assert name in table
    assert "demo:product_review (" in table
    # The parent's page: the best trial's metrics and params, the description, the source.
    assert parent_name in page
    assert f"meteor {best.user_attrs['final']['meteor']}" in page
    assert f"rougeL {best.user_attrs['final']['rougeL']}" in page
    assert f"best.preset : {best.params['preset']}" in page
    assert "Optuna study ui (maximize meteor)" in page
    assert "mopa tune" in page
    for name in names:  # its child runs, by name
        assert name in page
