"""A hub source with no network fails at once, in one line suggesting a local file or
HF_HUB_OFFLINE=1, instead of after ~25 s of retries; offline mode skips the check."""

from __future__ import annotations

import socket
import sys
import time
import types

import pytest

from mopa import hub
from mopa.cli import main
from tests.conftest import review_record

SOURCE = "longlamp:product_review_temporal"


@pytest.fixture
def no_network(monkeypatch):
    for name in (*hub.OFFLINE_VARIABLES, *hub.PROXY_VARIABLES, "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    tried = []

    def unresolvable(address, *args, **kwargs):
        tried.append(address)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(hub.socket, "create_connection", unresolvable)
    return tried


def test_no_network_fails_fast_in_one_line(no_network, capsys):
    start = time.monotonic()
    assert main(["data", "stats", "--data", SOURCE]) == 2
    assert time.monotonic() - start < 5
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "cannot reach the Hugging Face hub at huggingface.co" in err
    assert "a local .jsonl file" in err and "HF_HUB_OFFLINE=1" in err
    assert no_network == [("huggingface.co", 443)]


def test_the_check_asks_hf_endpoint(no_network, monkeypatch, capsys):
    monkeypatch.setenv("HF_ENDPOINT", "http://mirror.invalid:8080")
    assert main(["data", "stats", "--data", SOURCE]) == 2
    assert "hub at mirror.invalid" in capsys.readouterr().err
    assert no_network == [("mirror.invalid", 8080)]


def test_a_timeout_is_named(monkeypatch):
    for name in (*hub.OFFLINE_VARIABLES, *hub.PROXY_VARIABLES, "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)

    def silent(*args, **kwargs):
        raise TimeoutError("timed out")

    monkeypatch.setattr(hub.socket, "create_connection", silent)
    with pytest.raises(RuntimeError, match="no answer in 5 s"):
        hub.check_reachable(SOURCE)


@pytest.mark.parametrize("variable, value", [("HF_HUB_OFFLINE", "1"),
                                             ("HTTPS_PROXY", "http://proxy:3128")])
def test_offline_mode_and_a_proxy_skip_the_check(no_network, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    rows = [review_record("u1")]
    fake = types.SimpleNamespace(load_dataset=lambda *a, **k: rows)
    monkeypatch.setitem(sys.modules, "datasets", fake)
    assert main(["data", "stats", "--data", SOURCE]) == 0
    assert no_network == []
