import mlflow
import pytest

from tests.conftest import review_record


@pytest.fixture(scope="module")
def tracking_uri(tmp_path_factory):
    # One MLflow store for the module (creating its tables takes ~2 s); each test has its own
    # experiment.
    yield f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"
    mlflow.set_tracking_uri(None)


@pytest.fixture
def kwargs(tmp_path, monkeypatch, write_jsonl, tracking_uri, request):
    monkeypatch.chdir(tmp_path)  # MLflow puts a new experiment's artifacts under ./mlruns
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    data = write_jsonl([review_record(f"user{i}", n_profile=3 + i) for i in range(3)])
    return {"data": str(data), "study": "s", "experiment": request.node.name,
            "storage": f"sqlite:///{tmp_path / 'optuna.db'}", "tracking_uri": tracking_uri,
            "out": str(tmp_path / "runs"), "lm": "fake", "limit": 2, "agents": "1-2",
            "layers": "1-2", "progress": False}
