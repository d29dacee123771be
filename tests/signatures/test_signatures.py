import dspy
import pytest

from mopa.lm import PlainTextAdapter, fake_lm
from mopa.signatures import Aggregate, Plan, Propose, ProposeWithPlan, Refine, for_task
from mopa.tasks import TASKS


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("signature", [Plan, Propose, ProposeWithPlan, Refine, Aggregate])
def test_every_signature_is_worded_for_every_task(task, signature):
    sig = for_task(signature, TASKS[task], role="Focus on price.")
    text = sig.instructions + " ".join(f.json_schema_extra["prefix"] + f.json_schema_extra["desc"]
                                       for f in sig.fields.values())
    assert "{" not in text, "an unfilled placeholder"
    assert TASKS[task].short_noun in text
    assert sig.instructions.endswith("Your role: Focus on price.")


def test_plan_variant_adds_the_plan_after_the_profile():
    assert list(ProposeWithPlan.input_fields) == ["profile", "plan", "query"]
    assert list(Propose.input_fields) == ["profile", "query"]


def test_base_model_planner_is_cued_into_a_list():
    lm = fake_lm(responder=lambda p: " Price\n- Sound")
    planner = dspy.Predict(for_task(Plan, TASKS["product_review"]))
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        out = planner(profile="Rating: 5.0.\nReview: Loud.", query="Rating: 4.0.")
    assert lm.engine.calls[0].endswith("(2-5 words each):\n-")
    assert out.aspects == "- Price\n- Sound"
