import asyncio
import copy
import pickle
from concurrent.futures import ThreadPoolExecutor

import dspy
import pytest
from dspy.clients.cache import Cache
from dspy.utils.exceptions import LMServerError

from mopa.lm import FakeEngine, PlainTextAdapter, fake_lm
from mopa.lm.fake import default_responder


@pytest.fixture
def memory_cache(monkeypatch):
    """A fresh in-memory DSPy cache, so cache tests never read or write ~/.dspy_cache."""
    monkeypatch.setattr(dspy, "cache", Cache(False, True, None, memory_max_entries=1000))


class Review(dspy.Signature):
    """Write a review."""

    profile: str = dspy.InputField()
    query: str = dspy.InputField()
    review: str = dspy.OutputField()


def test_default_responder_is_deterministic_and_copies_the_last_input_field():
    prompt = "Write.\n\nQuery:\nthe capo holds tight\n\nReview:\n"
    text = default_responder(prompt)
    assert text == default_responder(prompt)
    assert "the capo holds tight" in text
    assert text != default_responder(prompt.replace("capo", "strap"))


def test_plain_call_records_prompt_usage_and_honors_stop_and_max_tokens():
    lm = fake_lm(responder=lambda p: "one two\n\nthree four five")
    assert lm("hello there", stop=["\n\n"]) == ["one two"]
    assert lm.engine.calls == ["hello there"]
    assert lm.history[-1]["usage"]["prompt_tokens"] == 2
    assert lm.history[-1]["usage"]["completion_tokens"] == 2
    assert lm("x", max_tokens=3) == ["one two\n\nthree"]


def test_responder_must_return_text():
    lm = fake_lm(responder=lambda p: 3, num_retries=0)
    with pytest.raises(Exception, match="must return str"):
        lm("x")


def test_thread_safety_under_eight_threads():
    lm = fake_lm(latency=0.005)
    adapter = PlainTextAdapter()
    predict = dspy.Predict(Review)

    def work(i):
        with dspy.context(lm=lm, adapter=adapter):
            return i, predict(profile=f"profile {i}", query=f"query number {i}").review

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(64)))

    calls = lm.engine.calls
    assert len(calls) == 64
    assert len(set(calls)) == 64
    by_query = {c.split("Query:\n")[1].split("\n")[0]: c for c in calls}
    for i, review in results:
        # Every thread got the answer to its own prompt, not a neighbour's.
        assert review == default_responder(by_query[f"query number {i}"]).strip()


def test_fail_first_is_retried_by_dspy():
    lm = fake_lm(fail_first=2, num_retries=3)
    assert lm("hello", stop=["\n\n"])  # succeeds on the third attempt
    assert len(lm.engine.calls) == 3


def test_fail_first_beyond_retries_raises_a_retryable_server_error():
    lm = fake_lm(fail_first=5, num_retries=2)
    with pytest.raises(LMServerError, match="simulated failure"):
        lm("hello")
    assert len(lm.engine.calls) == 3  # one attempt + two retries


def test_rollout_ids_give_distinct_cache_entries_but_never_reach_the_engine(memory_cache):
    lm = fake_lm(cache=True, name="local/fake-rollout-test")
    predict = dspy.Predict(Review)
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        for rollout in (0, 1, 0, 1, 2):
            predict(profile="p", query="q", config={"rollout_id": rollout})
        predict(profile="p", query="q")
        predict(profile="p", query="q")
    # rollouts 0, 1, 2 and "no rollout" are four cache entries; repeats are cache hits.
    assert len(lm.engine.calls) == 4
    assert len(set(lm.engine.calls)) == 1
    requests = lm.engine.requests
    assert all(r == requests[0] for r in requests)  # the id is not in the engine's request


def test_cache_is_off_by_default_so_every_call_reaches_the_engine():
    lm = fake_lm()
    lm("same")
    lm("same")
    assert len(lm.engine.calls) == 2


def test_async_call_shares_the_call_log():
    lm = fake_lm()
    out = asyncio.run(lm.acall("async prompt"))
    assert out and lm.engine.calls == ["async prompt"]


def test_state_round_trips_without_a_custom_responder(tmp_path):
    lm = fake_lm(latency=0.0, fail_first=0)
    state = lm.dump_state()
    assert state["engine"]["state"] == {"latency": 0.0, "fail_first": 0, "retry_after": 0.0}
    restored = dspy.BaseLM.load_state(state, allow_custom_lm_class=True)
    assert isinstance(restored.engine, FakeEngine)
    assert restored.model_type == "text"

    predict = dspy.Predict(Review)
    predict.set_lm(lm)
    predict.save(tmp_path / "p.json")
    loaded = dspy.Predict(Review)
    loaded.load(tmp_path / "p.json", allow_unsafe_lm_state=True)
    assert isinstance(loaded.lm.engine, FakeEngine)


def test_custom_responder_cannot_be_saved():
    with pytest.raises(TypeError, match="custom responder cannot be saved"):
        fake_lm(responder=str.upper).dump_state()


def test_calls_property_is_a_snapshot_and_reset_clears_it():
    engine = FakeEngine()
    lm = dspy.LM("local/fake", model_type="text", engine=engine, cache=False)
    lm("a")
    snapshot = engine.calls
    lm("b")
    assert snapshot == ["a"] and engine.calls == ["a", "b"]
    engine.reset()
    assert engine.calls == []


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError, match="must be >= 0"):
        FakeEngine(latency=-1)


def test_fake_lm_pickles_and_deep_copies_with_its_own_lock():
    lm = fake_lm()
    lm("before")
    for copied in (pickle.loads(pickle.dumps(lm)), copy.deepcopy(lm)):
        assert copied.engine.calls == ["before"]
        assert copied.engine._lock is not lm.engine._lock
        copied("after")
        assert lm.engine.calls == ["before"]
