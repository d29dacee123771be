"""Two ``mopa tune`` workers share one study through a real PostgreSQL and MLflow server.

Needs the PostgreSQL server binaries (Debian/Ubuntu: ``apt-get install postgresql``; set
MOPA_PG_BIN to their directory if they are elsewhere) and ``pip install psycopg2-binary``.
initdb refuses to run as root, so under root the server runs as the ``postgres`` user via
``runuser`` (the postgresql package creates that user).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import review_record
from tests.integration.conftest import browser

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
TRIALS_PER_WORKER = 3
WORKER = "import sys; from mopa.cli import main; sys.exit(main(['tune', *sys.argv[1:]]))"


def _postgres_bin() -> Path | None:
    if os.environ.get("MOPA_PG_BIN"):
        candidates = [Path(os.environ["MOPA_PG_BIN"])]
    else:
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                            reverse=True)
        if shutil.which("initdb"):
            candidates.append(Path(shutil.which("initdb")).parent)
    return next((c for c in candidates if (c / "initdb").exists() and (c / "pg_ctl").exists()),
                None)


@pytest.fixture
def postgres():
    """A throwaway PostgreSQL on 127.0.0.1 with databases ``optuna`` and ``mlflow``."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql, or set "
                    "MOPA_PG_BIN to the directory holding initdb and pg_ctl)")
    psycopg2 = pytest.importorskip("psycopg2", reason="pip install psycopg2-binary")
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="mopa-pg-"))  # outside pytest's root-only tmp dirs
    if os.geteuid() == 0:
        try:
            pg_user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root: initdb refuses root and there is no 'postgres' user")
        if not shutil.which("runuser"):
            pytest.skip("running as root: initdb refuses root and runuser is missing")
        os.chown(base, pg_user.pw_uid, pg_user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    password = secrets.token_hex(8)
    (base / "pw").write_text(password + "\n")
    if as_user:
        os.chown(base / "pw", pg_user.pw_uid, pg_user.pw_gid)
    data, port = base / "data", browser.free_port()

    def pg(*args: str) -> None:
        subprocess.run(as_user + [str(bin_dir / args[0]), *args[1:]], cwd=base, check=True,
                       capture_output=True, text=True, timeout=120)

    pg("initdb", "-D", str(data), "-U", "mopa", "--pwfile", str(base / "pw"),
       "--auth", "scram-sha-256", "-E", "UTF8")
    started = False
    try:
        pg("pg_ctl", "-D", str(data), "-l", str(base / "postgres.log"), "-w", "-t", "60",
           "-o", f"-h 127.0.0.1 -p {port} -k {base}", "start")
        started = True
        url = f"postgresql://mopa:{password}@127.0.0.1:{port}"
        conn = psycopg2.connect(f"{url}/postgres", connect_timeout=10)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE optuna")
            cur.execute("CREATE DATABASE mlflow")
        conn.close()
        yield {"url": url, "password": password}
    finally:
        if started:
            pg("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def mlflow_server(postgres, tmp_path):
    """``mlflow server`` backed by the PostgreSQL above; stopped with its whole process group."""
    port = browser.free_port()
    log_path = tmp_path / "mlflow-server.log"
    # Explicit driver: SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3.
    backend = postgres["url"].replace("postgresql://", "postgresql+psycopg2://") + "/mlflow"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", backend,
             "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
             "--artifacts-destination", str(tmp_path / "artifacts")],
            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"mlflow server exited ({proc.returncode}):\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"mlflow server not up after 120 s:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        browser.stop_group(proc)


def test_two_workers_share_one_study(postgres, mlflow_server, tmp_path, write_jsonl):
    import optuna
    from mlflow import MlflowClient

    from mopa.runs.tracking import PARENT_TAG

    data = write_jsonl([review_record(f"user{i}", n_profile=3 + i) for i in range(3)])
    storage = f"{postgres['url']}/optuna"
    argv = ["--data", str(data), "--study", "shared", "--storage", storage,
            "--trials", str(TRIALS_PER_WORKER), "--limit", "2", "--lm", "fake",
            "--tracking-uri", mlflow_server, "--experiment", "multiworker",
            "--out", str(tmp_path / "runs"), "--agents", "1-2", "--layers", "1-2",
            "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("MLFLOW_TRACKING_URI", None)
    # Started back to back so that both race to create the study and its parent run.
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, *argv], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [w.communicate(timeout=300) for w in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, f"worker failed:\n{out}\n{err}"
        assert f"compare trials: open {mlflow_server}" in out
    assert sum("A new study created" in err for _, err in outputs) == 1

    # The workers got the bare URL (tune picks an installed driver); here name it explicitly.
    study = optuna.load_study(study_name="shared", storage=storage.replace(
        "postgresql://", "postgresql+psycopg2://"))
    trials = study.trials
    total = 2 * TRIALS_PER_WORKER
    assert sorted(t.number for t in trials) == list(range(total))
    assert all(t.state.name == "COMPLETE" for t in trials)

    client = MlflowClient(mlflow_server)
    experiment = client.get_experiment_by_name("multiworker")
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    parents = [r for r in runs if PARENT_TAG not in r.data.tags]
    children = [r for r in runs if PARENT_TAG in r.data.tags]
    assert len(parents) == 1, [r.info.run_name for r in parents]
    parent = parents[0]
    assert study.user_attrs["mlflow_parent_run_id"] == parent.info.run_id
    assert postgres["password"] not in str(parent.data.params)
    assert parent.data.params["storage"].startswith("postgresql://mopa:***@127.0.0.1:")
    assert len(children) == total
    assert {c.data.tags[PARENT_TAG] for c in children} == {parent.info.run_id}
    assert sorted(int(c.data.tags["optuna.trial_number"]) for c in children) == list(range(total))
    by_run = {c.info.run_id: c for c in children}
    assert {t.user_attrs["mlflow_run_id"] for t in trials} == set(by_run)
    for trial in trials:
        child = by_run[trial.user_attrs["mlflow_run_id"]]
        assert child.info.status == "FINISHED"
        assert child.data.metrics["meteor"] == pytest.approx(trial.value)
        assert {"rouge1", "rougeL", "lm_calls"} <= set(child.data.metrics)
        assert {a.path for a in client.list_artifacts(child.info.run_id)} >= {"predictions.jsonl"}
