import dspy
import pytest

from mopa.lm import PlainTextAdapter, fake_lm
from mopa.lm.pool import LMPool
from mopa.programs.calls import aspect_list, call_predictor, make_predictor
from mopa.signatures import Propose, for_task
from mopa.tasks import TASKS

PROPOSE = for_task(Propose, TASKS["product_review"])


def test_aspect_list_dedupes_and_caps_at_six():
    raw = "- New strings\n- new strings\n2. Price\n* Tone\nDurability\nLooks\nFeel\nWeight"
    assert aspect_list(raw) == ("- New strings\n- Price\n- Tone\n- Durability\n- Looks\n"
                                "- Feel")
    assert aspect_list("  ") == ""


def test_a_predictor_is_pinned_only_to_an_lm_its_config_names_from_a_pool():
    pool = LMPool(default="fake")
    assert make_predictor(PROPOSE, pool, "fake@0.2").lm is pool.get("fake@0.2")
    assert make_predictor(PROPOSE, pool, None).lm is None  # the run's default, from dspy.context
    assert make_predictor(PROPOSE, None, "fake@0.2").lm is None  # no pool: tests, Python API


def test_a_failed_call_raises_its_cause_after_the_lms_own_retries_only():
    lm = fake_lm(fail_first=2, num_retries=1)
    predict = dspy.Predict(PROPOSE)
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        with pytest.raises(Exception, match="simulated failure"):
            call_predictor(predict, profile="p", query="q")
        assert len(lm.engine.calls) == 2  # one attempt and the LM's one retry, nothing on top
        assert call_predictor(predict, profile="p", query="q")


def _config(**options):
    from mopa.programs import make_config
    return make_config("rag", "product_review", **options)


def _replies(*texts):
    """A responder that gives ``texts`` in turn, then the last one forever."""
    answers = list(texts)
    return lambda prompt: answers.pop(0) if len(answers) > 1 else answers[0]


def test_a_short_text_is_written_again_with_a_new_rollout_and_counted():
    from mopa.programs.calls import write
    from mopa.tally import tallied
    # Cached: a resample that reused the first call's rollout would be answered from the cache
    # (the same empty text) and never reach the engine.
    lm = fake_lm(responder=_replies("", "Too short.", "A whole review of this pedal. " * 5),
                 cache=True, name="local/fake-resample")
    predict = dspy.Predict(PROPOSE)
    with dspy.context(lm=lm, adapter=PlainTextAdapter()), tallied() as tally:
        text = write(predict, _config(), 40.0, {"rollout_id": 3}, profile="p", query="q")
    assert text.startswith("A whole review")
    assert tally["resampled"] == 2
    assert len(lm.engine.requests) == 3


def test_the_longest_attempt_is_kept_when_every_one_is_short():
    from mopa.programs.calls import write
    lm = fake_lm(responder=_replies("", "Two words.", "One."))
    predict = dspy.Predict(PROPOSE)
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        assert write(predict, _config(), 40.0, {}, profile="p", query="q") == "Two words."


def test_no_resample_when_the_policy_is_off_or_the_text_is_long_enough():
    from mopa.programs.calls import shortest_words, write
    assert shortest_words(_config(min_length=None), 40.0) == 0
    assert shortest_words(_config(), None) == 1  # no past texts: never empty
    assert shortest_words(_config(min_length=0.5), 40.0) == 20
    lm = fake_lm(responder=_replies(""))
    predict = dspy.Predict(PROPOSE)
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        assert write(predict, _config(min_length=None), 40.0, {}, profile="p", query="q") == ""
    assert len(lm.engine.requests) == 1
    with pytest.raises(ValueError, match="min_length"):
        _config(min_length=2.0)
