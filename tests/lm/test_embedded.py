"""The real embedded Gemma-3-270M through dspy.Predict + PlainTextAdapter (run: -m embedded)."""

import re
import threading
import warnings

import dspy
import pytest

from mopa.lm import PlainTextAdapter, embedded_lm
from mopa.lm.embedded import LlamaCppEngine

pytestmark = pytest.mark.embedded


def _model_path() -> str:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        pytest.skip("llama_cpp is not installed (pip install 'mopa[embedded]')")
    try:
        from mopa.lm.embedded import default_model_path

        return default_model_path()
    except (ImportError, OSError) as exc:
        pytest.skip(f"the Gemma-3-270M GGUF is unavailable: {exc}")


@pytest.fixture(scope="module")
def lm():
    _model_path()
    # cache=False: every call here must really run the model.
    return embedded_lm(temperature=0.3, max_tokens=80, cache=False, seed=7)


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)

    class Review(dspy.Signature):
        """Write the customer's next product review, in the same style as their past reviews."""

        profile: str = dspy.InputField(prefix="Past reviews (most recent first):")
        query: str = dspy.InputField(prefix="New review (5 stars, summary \"Great capo\"):")
        review: str = dspy.OutputField(prefix="Review:")


PROFILE = ("5 stars - Great strings: These guitar strings sound bright and stay in tune for "
           "weeks. I play every day and they still feel smooth.\n"
           "4 stars - Solid tuner: This clip-on guitar tuner is accurate and easy to read on "
           "stage. The battery lasts a long time.")
QUERY = "A capo for acoustic guitar that clamps quickly and holds the strings tight."
TOPIC = {"guitar", "capo", "string", "strings", "tune", "tuner", "play", "sound", "clamp",
         "tight", "neck", "fret", "frets", "great", "easy", "quality", "acoustic"}


def _predict(lm, **inputs):
    with dspy.context(lm=lm, adapter=PlainTextAdapter(), track_usage=True):
        return dspy.Predict(Review)(**inputs)


def test_review_is_non_empty_on_topic_and_usage_is_recorded(lm):
    pred = _predict(lm, profile=PROFILE, query=QUERY)
    words = set(re.findall(r"[a-z]+", pred.review.lower()))
    assert pred.review.strip(), "the base model returned an empty review"
    assert words & TOPIC, f"off-topic review: {pred.review!r}"
    usage = pred.get_lm_usage()[lm.model]
    assert usage["prompt_tokens"] > 50 and usage["completion_tokens"] > 0
    assert lm.history[-1]["usage"]["prompt_tokens"] == usage["prompt_tokens"]


def test_two_threads_at_once(lm):
    results, errors = {}, []

    def work(i):
        try:
            results[i] = _predict(lm, profile=PROFILE, query=f"{QUERY} Review number {i}.")
        except Exception as exc:  # surfaced below with the thread's own error
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert len(results) == 2 and all(r.review.strip() for r in results.values())


def test_overlong_prompt_is_cut_from_the_start_and_recorded():
    path = _model_path()
    small = dspy.LM("local/gemma-3-270m-ctx256", model_type="text", max_tokens=32,
                    temperature=0.0, cache=False, engine=LlamaCppEngine(path, n_ctx=256))
    long_prompt = "The guitar sounds warm. " * 200 + "\n\nReview:\n"
    assert small(long_prompt) is not None
    response = small.history[-1]["response"]
    assert response.provider_data["prompt_truncated_tokens"] > 0
    assert small.history[-1]["usage"]["prompt_tokens"] <= 256 - 32
    assert small.history[-1]["adaptations"][0].action == "clamped"


def test_rollout_ids_draw_distinct_samples(monkeypatch):
    from dspy.clients.cache import Cache

    _model_path()
    monkeypatch.setattr(dspy, "cache", Cache(False, True, None, memory_max_entries=100))
    lm = embedded_lm(temperature=1.0, max_tokens=24)  # no seed: the engine draws one per call
    prompt = "My favourite thing about this guitar is"
    first, second = lm(prompt, rollout_id=1), lm(prompt, rollout_id=2)
    assert first != second, "rollouts 1 and 2 gave the same sample"
    assert lm(prompt, rollout_id=1) == first  # cached per rollout id
    seeds = [entry["response"].provider_data["seed"] for entry in lm.history[:2]]
    assert seeds[0] != seeds[1]
