"""Look at MoPA's runs in the real MLflow UI with headless Chromium.

``mlflow_ui`` starts ``mlflow ui`` on a free loopback port as a child process (its own process
group, stopped on exit); ``page_text`` renders a page with ``chromium --headless --dump-dom``
and returns its visible text; ``screenshot`` saves a PNG. The UI is a JavaScript app that
fetches the runs after loading, so a page is rendered under a virtual-time budget and re-read
until the text it must show is there.

Used by tests/integration/test_mlflow_ui.py and, as a command, to take the README's
screenshots (scripts/screenshot_mlflow.sh):

    python scripts/mlflow_browser.py --tracking-uri sqlite:///mlflow.db --out-dir docs
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# Root in a container has no usable sandbox; the pages are our own loopback server's.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                  "--no-first-run", "--disable-dev-shm-usage")


def find_chromium() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def mlflow_ui(backend_uri: str, workdir: Path, timeout: float = 180) -> Iterator[str]:
    """``mlflow ui`` on ``backend_uri``; yields its base URL once /health answers."""
    port, log_path = free_port(), workdir / "mlflow-ui.log"
    # No network here: LiteLLM (imported by the server) would try to download prices first.
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", backend_uri,
             "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mlflow ui did not start:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        stop_group(proc)


def stop_group(proc: subprocess.Popen) -> None:
    """Stop a server started with ``start_new_session=True`` and every worker it forked:
    SIGTERM to the group, SIGKILL after 20 s (the group may be gone already)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def runs_url(base: str, experiment_id: str, sort_metric: str = "meteor") -> str:
    """The experiment's runs table sorted by a metric, best first. A sort other than by date
    also lists nested runs as rows of their own (by date they fold under their parent)."""
    return (f"{base}/#/experiments/{experiment_id}/runs?orderByKey=metrics.%60{sort_metric}"
            "%60&orderByAsc=false")


def run_url(base: str, experiment_id: str, run_id: str) -> str:
    return f"{base}/#/experiments/{experiment_id}/runs/{run_id}"


def _chromium(args: list[str], budget_ms: int) -> subprocess.CompletedProcess:
    browser = find_chromium()
    if browser is None:
        raise RuntimeError("no Chromium found (apt-get install chromium)")
    return subprocess.run([browser, *CHROMIUM_FLAGS, f"--virtual-time-budget={budget_ms}",
                           *args], capture_output=True, text=True, timeout=180)


def visible_text(dom: str) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text))).strip()


def page_text(url: str, ready: Callable[[str], bool] = bool, budget_ms: int = 20000,
              attempts: int = 4) -> str:
    """The page's visible text once ``ready(text)`` holds (the last attempt's text if never)."""
    text = ""
    for _ in range(attempts):
        text = visible_text(_chromium(["--dump-dom", url], budget_ms).stdout)
        if ready(text):
            break
    return text


def screenshot(url: str, png: Path, size: str = "1600,900", budget_ms: int = 20000) -> Path:
    png.parent.mkdir(parents=True, exist_ok=True)
    done = _chromium([f"--screenshot={png.resolve()}", f"--window-size={size}", url], budget_ms)
    if not png.exists():
        raise RuntimeError(f"chromium wrote no screenshot:\n{done.stderr[-2000:]}")
    return png


def main(argv: list[str] | None = None) -> None:
    """Screenshots of a study: the runs table sorted by meteor, and the parent run's page."""
    from mlflow import MlflowClient

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--tracking-uri", required=True, help="a sqlite:/// or file store")
    parser.add_argument("--experiment", default="mopa-tune")
    parser.add_argument("--out-dir", default="docs")
    args = parser.parse_args(argv)
    client = MlflowClient(args.tracking_uri)
    experiment = client.get_experiment_by_name(args.experiment).experiment_id
    parents = [r for r in client.search_runs([experiment], order_by=["start_time DESC"])
               if "mlflow.parentRunId" not in r.data.tags]
    out = Path(args.out_dir)
    with mlflow_ui(args.tracking_uri, Path.cwd()) as base:
        page_text(runs_url(base, experiment), lambda t: "matching runs" in t)  # warm up
        for png, url, size in (
                (out / "mlflow_runs.png", runs_url(base, experiment), "1600,560"),
                (out / "mlflow_best_run.png", run_url(base, experiment, parents[0].info.run_id),
                 "1600,1250")):
            print(f"wrote {screenshot(url, png, size)}")


if __name__ == "__main__":
    main()
