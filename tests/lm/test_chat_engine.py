"""API LMs against the local OpenAI-compatible server: n choices in one request, rate limits
honoured from both sides (ours, and the server's 429 with Retry-After)."""

import threading
import time
import uuid

import pytest

from mopa.lm import make_lm
from mopa.lm.chat_engine import ChatEngine, sends_n
from tests.servers.openai_compat import OpenAIServer


def api_lm(server, **options):
    # A new model name each time: no limiter or cache entry is shared between tests.
    return make_lm(f"openai/t-{uuid.uuid4().hex[:8]}", api_base=server.url, cache=False,
                   **options)


def test_n_choices_come_in_one_request_that_bills_the_prompt_once():
    with OpenAIServer() as server:
        lm = api_lm(server, batch_n=True)
        texts = lm("a prompt of six words here", n=3)
        assert len(set(texts)) == 3
        assert server.counts.requests == 1 and server.counts.n_seen == [3]
        assert server.counts.prompt_tokens == 6
        assert sends_n(lm)


def test_without_batch_n_dspy_sends_one_request_per_choice():
    with OpenAIServer() as server:
        api_lm(server)("a prompt", n=3)
        assert server.counts.n_seen == [1, 1, 1]


def test_an_endpoint_that_refuses_n_is_remembered_and_not_asked_again():
    with OpenAIServer(reject_n=True) as server:
        lm = api_lm(server, batch_n=True)
        with pytest.raises(Exception, match="n > 1 is not supported"):
            lm("a prompt", n=2)
        assert not sends_n(lm)
        with pytest.raises(Exception, match="refused n=2 earlier"):
            lm("another prompt", n=2)
        assert server.counts.refused_n == 1
        assert lm("one choice still works") and server.counts.requests == 1


def test_rpm_below_the_servers_limit_sees_no_429_and_keeps_90_percent_of_the_rate():
    rpm = 240  # 4 a second; the server takes 5 a second
    with OpenAIServer(limit=5, window=1.0) as server:
        lm = api_lm(server, rpm=rpm)
        threads = [threading.Thread(target=lambda i=i: [lm(f"thread {i} call {j}")
                                                        for j in range(4)])
                   for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        arrivals = server.counts.arrivals
        assert server.counts.rejected == 0 and server.counts.requests == 16
        rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) * 60
        assert rate >= 0.9 * rpm


def test_a_429_is_retried_after_the_servers_retry_after_for_every_thread():
    with OpenAIServer(limit=1, window=0.4, retry_after=0.4) as server:
        lm = api_lm(server, rpm=6000)  # our limit is far above the server's
        start = time.monotonic()
        lm("first")
        lm("second")  # 429, then retried once the Retry-After has passed
        assert server.counts.rejected >= 1 and server.counts.requests == 2
        assert time.monotonic() - start >= 0.4


def test_the_text_completions_engine_is_throttled_too():
    with OpenAIServer() as server:
        lm = make_lm(f"openai/t-{uuid.uuid4().hex[:8]}", model_type="text", rpm=600,
                     api_base=server.url, cache=False)
        for i in range(4):  # the first one may be held up after its turn (LiteLLM loading)
            lm(f"prompt {i}")
        arrivals = server.counts.arrivals[1:]
        assert arrivals[-1] - arrivals[0] >= 2 * 0.1 * 0.95


def test_the_engine_state_names_the_key_variable_never_the_key(monkeypatch):
    monkeypatch.setenv("MOPA_TEST_CHAT_KEY", "sk-test-value-not-to-be-saved-0123456789")
    lm = make_lm("openai/gpt-4o-mini", api_key_env="MOPA_TEST_CHAT_KEY", rpm=30)
    state = lm.engine.dump_state()
    assert state == {"model": "openai/gpt-4o-mini", "api_base": None,
                     "api_key_env": "MOPA_TEST_CHAT_KEY", "rpm": 30}
    assert "sk-test" not in repr(lm.dump_state())
    assert ChatEngine.load_state(state).dump_state() == state


def test_limits_are_refused_for_in_process_lms():
    with pytest.raises(ValueError, match="in-process"):
        make_lm("fake", rpm=10)


def test_a_base_model_behind_a_completions_endpoint_gets_n_choices_in_one_request_too():
    with OpenAIServer() as server:
        lm = make_lm(f"openai/t-{uuid.uuid4().hex[:8]}", model_type="text", batch_n=True,
                     api_base=server.url, cache=False)
        texts = lm("once upon a time", n=3, stop=["\n\n"])
        assert len(set(texts)) == 3 and server.counts.n_seen == [3]
        assert sends_n(lm) and lm.engine.dump_state()["batch_n"] is True
