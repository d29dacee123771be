"""Secrets planted in the environment and in every flag that takes an LM spec or a URL never
reach a file, MLflow, Optuna or the terminal.

Each test runs real commands (fake LM, two demo examples) with everything they write under
``tmp_path`` (the working directory too, where MLflow puts artifacts), then searches every byte
written, sqlite databases included, and the captured stdout/stderr for the planted values.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import mlflow
import pytest

from mopa.cli import build_parser, main

KEY = "sk-proj-PLANTEDkey0123456789abcdef"  # a provider key typed into a flag
PASSWORD = "s3cr3tPLANTEDpw"  # a URL password
ENV = {"OPENAI_API_KEY": "sk-envPLANTED0123456789abcdef",
       "MOPA_TEST_PLANTED_TOKEN": "envPLANTEDtoken-0123456789",
       "MOPA_TEST_DB_PASSWORD": "envPLANTEDpassword-98765",
       "MLFLOW_TRACKING_PASSWORD": "envPLANTEDmlflow-24680"}
SECRETS = [KEY, PASSWORD, *ENV.values()]
UNREACHABLE = f"http://mopa:{PASSWORD}@127.0.0.1:9/"  # port 9 (discard): connection refused


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    yield tmp_path
    mlflow.set_tracking_uri(None)


def argv(command: str, tmp: Path) -> list[str]:
    """A tiny, fast command that succeeds as it is."""
    data = ["--data", "demo:product_review", "--lm", "fake", "--no-progress"]
    tracking = ["--tracking-uri", f"sqlite:///{tmp / 'mlflow.db'}"]
    if command == "run":
        return ["run", *data, "--limit", "2", "--out", str(tmp / "run")]
    if command == "experiment":
        return ["experiment", "aggregators", *data, "--limit", "2", "--out", str(tmp / "exp")]
    if command == "compile":
        return ["compile", *data, "--train", "1", "--val", "1", "--agents", "1", *tracking,
                "--program-file", str(tmp / "program.json")]
    return ["tune", *data, "--limit", "2", "--trials", "1", "--presets", "rag-mopa",
            "--agents", "1", "--layers", "1", "--aggregators", "longest",
            "--storage", f"sqlite:///{tmp / 'optuna.db'}", *tracking, "--out", str(tmp / "tune")]


def leaks(tmp: Path, *texts: str) -> list[str]:
    """Where a planted secret was found: files under ``tmp`` (as bytes) and the texts."""
    found = []
    for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found += [f"{path.relative_to(tmp)}: {s}" for s in SECRETS if s.encode() in data]
    found += [f"output: {s}" for text in texts for s in SECRETS if s in text]
    return found


def test_commands_leak_no_environment_secret(workdir, capsys):
    for command in ("run", "compile", "tune"):
        extra = ["--api-key-env", "MOPA_TEST_PLANTED_TOKEN"]  # a name: accepted, never resolved
        assert main([*argv(command, workdir), *extra]) == 0, command
    out, err = capsys.readouterr()
    assert (workdir / "run" / "run.json").exists() and (workdir / "mlflow.db").exists()
    assert leaks(workdir, out, err) == []


class _Provider(http.server.BaseHTTPRequestHandler):
    """An OpenAI-style chat server: it answers requests with the ``accepted`` key and refuses
    any other, quoting it back as providers do."""

    accepted: str | None = None
    keys: list[str] = []

    def do_POST(self):  # noqa: N802 (the http.server name)
        request = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        self.keys.append(key)
        if key == self.accepted:
            # DSPy's chat format: a section per field the prompt names (extra ones are ignored).
            fields = dict.fromkeys(re.findall(r"\[\[ ## (\w+) ## \]\]", request))
            text = "".join(f"[[ ## {f} ## ]]\nHolds tight, no buzz.\n\n" for f in fields
                           if f != "completed") + "[[ ## completed ## ]]"
            status, body = 200, {"id": "c1", "object": "chat.completion", "created": 0,
                                 "model": "mopa-test", "usage": {"prompt_tokens": 9,
                                                                 "completion_tokens": 6,
                                                                 "total_tokens": 15},
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": text}}]}
        else:
            status, body = 401, {"error": {"message": f"Incorrect API key provided: {key}",
                                           "type": "invalid_request_error",
                                           "code": "invalid_api_key"}}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(monkeypatch):
    """The flags of an LM behind ``_Provider``, its key read from MOPA_TEST_PLANTED_TOKEN."""
    monkeypatch.setattr(_Provider, "keys", [])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # A new model name each time: DSPy's disk cache would otherwise answer without a request.
    yield ["--lm", f"openai/mopa-test-{uuid.uuid4().hex[:8]}", "--api-base", f"http://127.0.0.1:{server.server_port}/v1",
           "--api-key-env", "MOPA_TEST_PLANTED_TOKEN", "--program", "rag"]
    server.shutdown()


def test_a_key_quoted_back_by_the_provider_is_not_written(workdir, capsys, provider):
    code = main([*argv("run", workdir), *provider])
    out, err = capsys.readouterr()
    assert code == 2 and "Incorrect API key provided: ***" in err, err  # all failed: 401
    assert set(_Provider.keys) == {ENV["MOPA_TEST_PLANTED_TOKEN"]}  # the key was sent
    # ...and its echo, in no known key shape, is caught as an environment variable's value.
    assert "Incorrect API key provided: ***" in (workdir / "run" / "predictions.jsonl").read_text()
    assert leaks(workdir, out, err) == []


@pytest.mark.parametrize("command", ["run", "compile", "tune"])
def test_a_key_from_api_key_env_is_used_but_never_written(workdir, capsys, provider, monkeypatch,
                                                          command):
    # Everything succeeds, compile's MLflow model (a pickle of the program) included. A guard:
    # the key sits in the LM's kwargs, which nothing saves today (programs are saved unpinned).
    monkeypatch.setattr(_Provider, "accepted", ENV["MOPA_TEST_PLANTED_TOKEN"])
    args = provider[:-2] if command == "tune" else provider  # tune searches the program
    assert main([*argv(command, workdir), *args]) == 0
    out, err = capsys.readouterr()
    assert _Provider.keys and set(_Provider.keys) == {ENV["MOPA_TEST_PLANTED_TOKEN"]}
    assert leaks(workdir, out, err) == []


def _lm_flag_cases():
    """(command, flag, value) for every LM flag each command has, with a key planted."""
    specs = [f"openai/gpt-4o-mini?api_key={KEY}", KEY]
    values = {"--api-base": [f"http://user:{PASSWORD}@127.0.0.1:9/v1",
                             f"http://127.0.0.1:9/v1?api_key={KEY}"],
              "--proposer-lms": [f"fake,{KEY}@0.5"], "--api-key-env": [KEY]}
    commands = next(a for a in build_parser()._actions if a.dest == "command").choices
    for command in ("run", "compile", "tune", "experiment"):
        flags = {s for a in commands[command]._actions for s in a.option_strings}
        for flag in ("--lm", "--planner-lm", "--proposer-lm", "--proposer-lms",
                     "--aggregator-lm", "--prompt-lm", "--reflection-lm", "--api-base",
                     "--api-key-env"):
            if flag in flags:
                yield from ((command, flag, v) for v in values.get(flag, specs))


@pytest.mark.parametrize(("command", "flag", "value"), list(_lm_flag_cases()))
def test_a_key_in_an_lm_flag_is_refused_before_anything_is_written(workdir, capsys, command,
                                                                   flag, value):
    assert main([*argv(command, workdir), flag, value]) == 2
    out, err = capsys.readouterr()
    assert err.startswith((f"mopa: error: {flag} ", f"mopa: error: {flag}:")), err
    assert err.count("\n") == 1, err
    assert "environment variable" in err
    assert list(workdir.rglob("*")) == []  # no --out, no run.json, no MLflow or Optuna store
    assert leaks(workdir, out, err) == []


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """``mopa`` in its own process: an uncaught error shows as the user would see it."""
    env = {**os.environ, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
           "MLFLOW_HTTP_REQUEST_TIMEOUT": "5"}
    return subprocess.run([sys.executable, "-m", "mopa.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _with_tracking_uri(args: list[str], uri: str) -> list[str]:
    args = list(args)
    if "--tracking-uri" in args:
        args[args.index("--tracking-uri") + 1] = uri
    else:
        args += ["--tracking-uri", uri]
    return args


def _tracking_commands():
    commands = next(a for a in build_parser()._actions if a.dest == "command").choices
    return [c for c in ("run", "compile", "tune")
            if "--tracking-uri" in {s for a in commands[c]._actions for s in a.option_strings}]


@pytest.mark.parametrize("command", _tracking_commands())
def test_a_tracking_uri_password_is_not_shown_when_the_server_is_unreachable(workdir, command):
    result = _cli(_with_tracking_uri(argv(command, workdir), UNREACHABLE), workdir)
    if command == "run":  # a dead tracking server costs a run its MLflow run, not its results
        assert result.returncode == 0, result.stderr[-2000:]
        lines = [line for line in result.stderr.splitlines() if "did not answer" in line]
    else:
        assert result.returncode == 2, result.stderr[-2000:]
        lines = [line for line in result.stderr.splitlines() if line.startswith("mopa: error:")]
    assert len(lines) == 1 and "127.0.0.1:9" in lines[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert leaks(workdir, result.stdout, result.stderr) == []


def test_a_storage_password_is_not_shown(workdir, capsys):
    args = argv("tune", workdir)
    args[args.index("--storage") + 1] = f"postgresql://mopa:{PASSWORD}@127.0.0.1:9/optuna"
    assert main(args) == 2
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.startswith("mopa: error:")]
    assert len(lines) == 1 and "postgresql://mopa:***@127.0.0.1:9/optuna" in lines[0], err
    assert leaks(workdir, out, err) == []
