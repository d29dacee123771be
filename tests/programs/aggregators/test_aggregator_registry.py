"""The aggregator registry: names without imports, one class per name, and a new aggregator
(a toy in one file) run by ``mopa run``, counted, and searched by ``mopa tune``."""

import json
import subprocess
import sys
from pathlib import Path

import mlflow
import optuna
import pytest

from mopa.cli import main
from mopa.programs import ProgramConfig, build_program, make_config
from mopa.programs.aggregators import (
    AGGREGATORS,
    SEARCHED,
    aggregator_names,
    aggregators,
    get_aggregator,
    register,
    registry,
)
from mopa.programs.aggregators.base import Aggregator
from tests.programs.aggregators.toy import Toy

REPORT = ("merge", "consensus", "fusion", "likelihood", "contrast", "longest", "concat")
# Every other aggregator of the package follows the report's, in name order.
SHIPPED = (*REPORT, "reader", "reader_fusion")


@pytest.fixture
def toy():
    register(Toy)
    yield Toy
    registry._REGISTRY.pop("toy")


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # MLflow puts a new experiment's artifacts under ./mlruns
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    yield tmp_path
    mlflow.set_tracking_uri(None)


def test_names_come_from_the_package_in_the_report_order_without_importing_dspy():
    code = ("import sys; from mopa.programs.aggregators import aggregator_names; "
            "print(','.join(aggregator_names())); print('dspy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [",".join(SHIPPED), "False"]


def test_every_aggregator_module_registers_its_own_name_and_declares_known_settings():
    found = aggregators()
    assert tuple(found) == SHIPPED
    for name, cls in found.items():
        assert cls.name == name and issubclass(cls, Aggregator) and cls.description
        assert set(cls.searched) <= set(SEARCHED)
    assert [n for n, c in found.items() if c.lm_calls] == ["merge"]
    assert [n for n, c in found.items() if c.scores_with_lm] == ["likelihood", "contrast"]


def test_unknown_names_and_name_clashes_are_refused():
    with pytest.raises(ValueError, match="unknown aggregator 'vote'; expected one of: merge"):
        get_aggregator("vote")

    class Other(Aggregator):
        name = "fusion"

    with pytest.raises(ValueError, match="'fusion' is already registered.*pick another name"):
        register(Other)


def test_a_registered_aggregator_is_a_choice_of_the_config(toy):
    assert "toy" in AGGREGATORS and aggregator_names()[-1] == "toy"
    config = make_config("rag-mopa", agents=3, layers=2, aggregator="toy")
    assert config.lm_calls == 3 * 2 + 2
    assert isinstance(build_program(config).aggregator, Toy)


def test_mopa_run_runs_a_new_aggregator_and_counts_its_calls(toy, in_tmp, capsys):
    out = in_tmp / "run"
    assert main(["run", "--data", "demo:product_review", "--limit", "2", "--program",
                 "rag-mopa", "--agents", "2", "--layers", "2", "--aggregator", "toy",
                 "--lm", "fake", "--no-progress", "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    config = ProgramConfig.from_dict(json.loads((out / "run.json").read_text())["config"])
    assert config.aggregator == "toy" and config.lm_calls == 2 * 2 + 2
    assert result["per_example"]["lm_calls"] == config.lm_calls
    for line in (out / "predictions.jsonl").read_text().splitlines():
        record = json.loads(line)
        assert record["lm_calls"] == config.lm_calls
        assert [layer["choice"]["chosen"] in (1, 2) for layer in record["layers"]] == [True] * 2


def test_mopa_tune_searches_a_new_aggregator_and_its_settings(toy, in_tmp):
    storage = f"sqlite:///{in_tmp / 'optuna.db'}"
    assert main(["tune", "--data", "demo:product_review", "--limit", "2", "--lm", "fake",
                 "--study", "toy", "--storage", storage, "--trials", "2",
                 "--tracking-uri", f"sqlite:///{in_tmp / 'mlflow.db'}", "--out",
                 str(in_tmp / "runs"), "--presets", "rag-mopa", "--agents", "1-2",
                 "--layers", "1", "--aggregators", "toy", "--target-factor", "0.5-1.0",
                 "--no-progress"]) == 0
    trials = optuna.load_study(study_name="toy", storage=storage).trials
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE"]
    for trial in trials:
        assert trial.params["aggregator"] == "toy"
        assert 0.5 <= trial.params["target_factor"] <= 1.0
        config = ProgramConfig.from_dict(trial.user_attrs["config"])
        assert config.target_factor == trial.params["target_factor"]
        assert trial.user_attrs["per_example"]["lm_calls"] == config.lm_calls
        assert config.lm_calls == len(config.agents) + 1
        assert Path(trial.user_attrs["run_dir"]).exists()
