"""Reruns finish a run whose LM sometimes fails or answers empty: a rerun asks again exactly
what did not answer. With DSPy's response cache on (the embedded and API models), an empty
reply used to be cached and replayed on every rerun, so an example whose merge (or every
proposer) had come back empty failed the same way forever."""

from __future__ import annotations

import json

import dspy
from dspy.clients.cache import Cache
from dspy.clients.call_result import CACHE_FORMAT

from mopa.cli import main
from mopa.lm import make_lm
from mopa.lm.reply_cache import SkipEmptyReplies, is_empty_reply

LM = "fake?fail_rate=0.3&empty_rate=0.1&seed=0&cache=1"
RUN = ["run", "--program", "planner-mopa", "--agents", "2", "--layers", "1", "--data",
       "demo:product_review", "--no-progress", "--lm", LM]


def _failed(out) -> int:
    records: dict[str, dict] = {}
    for line in (out / "predictions.jsonl").read_text().splitlines():
        record = json.loads(line)
        records[record["id"]] = record
    return sum(1 for r in records.values() if r["error"])


def test_16_reruns_finish_every_example_with_the_cache_on(tmp_path, capsys):
    out = tmp_path / "out"
    for _ in range(16):
        main([*RUN, "--out", str(out)])
        if _failed(out) == 0:
            break
    capsys.readouterr()
    assert _failed(out) == 0


def _record(*texts) -> dict:
    return {"_dspy_format": CACHE_FORMAT, "responses": [], "outputs": list(texts)}


def test_an_empty_reply_is_neither_stored_nor_served():
    inner = Cache(False, True, None, memory_max_entries=100)
    cache = SkipEmptyReplies(inner)
    cache.put({"q": 1}, _record(" \n"))
    cache.put({"q": 2}, _record("an answer"))
    assert cache.get({"q": 1}) is None and cache.get({"q": 2}) is not None
    inner.put({"q": 3}, _record(""))  # stored before the wrapper: a miss now
    assert inner.get({"q": 3}) is not None and cache.get({"q": 3}) is None


def test_empty_replies_of_each_cached_format_are_told_apart():
    assert is_empty_reply(_record(""))
    assert is_empty_reply(_record({"text": None}))
    assert not is_empty_reply(_record({"text": "yes"}))
    assert is_empty_reply({"choices": [{"message": {"content": ""}}]})
    assert not is_empty_reply({"choices": [{"text": "yes"}]})
    assert not is_empty_reply("not a reply")


def test_an_lm_with_its_cache_on_gets_the_wrapper_and_one_without_does_not():
    before = dspy.cache
    make_lm("fake")
    assert dspy.cache is before
    make_lm("fake?cache=1")
    assert isinstance(dspy.cache, SkipEmptyReplies) and dspy.cache.inner is before
    make_lm("fake?cache=1")
    assert dspy.cache.inner is before  # wrapped once
