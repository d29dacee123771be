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
