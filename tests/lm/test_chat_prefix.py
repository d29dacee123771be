"""Chat prompts put what a layer's agents share (instructions, profile, query) before what
differs (plan, role), so a server's prefix cache serves the shared part once."""

import os

import dspy
from dspy.adapters.chat_adapter import ChatAdapter

from mopa.lm import PlainTextAdapter
from mopa.signatures import Propose, for_task, with_plan
from mopa.tasks import get_task

INPUTS = {"profile": "PAST REVIEWS", "query": "THE PRODUCT"}


def messages(role, plan=None, adapter=None):
    signature = for_task(with_plan(Propose) if plan else Propose, get_task("product_review"),
                         role=role)
    inputs = {**INPUTS, **({"plan": plan} if plan else {})}
    return (adapter or PlainTextAdapter()).format(signature, [], inputs)


def test_agents_with_their_own_roles_and_plans_share_the_system_message_and_the_inputs():
    a, b = messages("Be concise.", "- tone"), messages("Be thorough.", "- price")
    assert a[0] == b[0]  # the system message: no role in it
    shared = os.path.commonprefix([a[1]["content"], b[1]["content"]])
    assert "PAST REVIEWS" in shared and "THE PRODUCT" in shared
    assert a[1]["content"].index("- tone") > a[1]["content"].index("THE PRODUCT")
    assert a[1]["content"].index("Be concise.") > a[1]["content"].index("- tone")
    # DSPy's ChatAdapter would put the role in the system message, so nothing is shared.
    assert messages("Be concise.", adapter=ChatAdapter())[0] != \
        messages("Be thorough.", adapter=ChatAdapter())[0]


def test_a_signature_without_role_or_plan_is_rendered_as_dspy_renders_it():
    assert messages(None) == messages(None, adapter=ChatAdapter())


def test_a_chat_lm_still_parses_the_output_field():
    lm = dspy.utils.DummyLM([{"output": "A fine review."}])
    signature = for_task(with_plan(Propose), get_task("product_review"), role="Be concise.")
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        pred = dspy.Predict(signature)(**INPUTS, plan="- tone")
    assert pred.output == "A fine review."
    sent = lm.history[-1]["messages"][-1]["content"]
    assert sent.rstrip().endswith("`[[ ## completed ## ]]`.") and "Be concise." in sent
