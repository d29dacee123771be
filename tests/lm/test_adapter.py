import asyncio
import warnings

import dspy
import pytest
from dspy.adapters.chat_adapter import ChatAdapter

from mopa.lm import PlainTextAdapter, fake_lm
from mopa.lm.adapter import format_value

with warnings.catch_warnings():
    # DSPy deprecates `prefix=` for its own adapters; PlainTextAdapter is what reads it.
    warnings.simplefilter("ignore", DeprecationWarning)

    class Review(dspy.Signature):
        """Write the user's next review in their own style."""

        profile: str = dspy.InputField(prefix="Past reviews (most recent first):")
        query: str = dspy.InputField()
        review: str = dspy.OutputField(prefix="Review:")


class PlanThenWrite(dspy.Signature):
    """Plan, then write."""

    topic: str = dspy.InputField()
    plan: str = dspy.OutputField()
    text: str = dspy.OutputField()


class Rate(dspy.Signature):
    """Rate it."""

    text: str = dspy.InputField()
    stars: int = dspy.OutputField()


def run(signature, lm, demos=(), **inputs):
    predict = dspy.Predict(signature)
    predict.demos = list(demos)
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        return predict(**inputs)


def test_prompt_layout_without_demos():
    lm = fake_lm(responder=lambda p: " Holds tight, no buzz.\n")
    out = run(Review, lm, profile="Great strings.", query="A capo, 5 stars")
    assert lm.engine.calls == [
        "Write the user's next review in their own style.\n\n"
        "Past reviews (most recent first):\nGreat strings.\n\n"
        "Query:\nA capo, 5 stars\n"
        "Review:"
    ]
    assert out.review == "Holds tight, no buzz."
    assert lm.engine.requests[0].config.stop == ("\n\n",)


def test_prompt_layout_with_demos_renders_completed_examples():
    lm = fake_lm(responder=lambda p: "ok")
    demos = [
        dspy.Example(profile="old A", query="q A", review="review A"),
        {"profile": "old B", "query": "q B", "review": "review B"},
        {"profile": "inputs only, skipped", "query": "q C"},
    ]
    run(Review, lm, demos, profile="now", query="q now")
    assert lm.engine.calls[0] == (
        "Write the user's next review in their own style.\n\n"
        "Past reviews (most recent first):\nold A\n\nQuery:\nq A\nReview: review A\n\n---\n\n"
        "Past reviews (most recent first):\nold B\n\nQuery:\nq B\nReview: review B\n\n---\n\n"
        "Past reviews (most recent first):\nnow\n\nQuery:\nq now\nReview:"
    )


def test_parse_continuation_strips_and_cuts_at_a_new_field_or_example():
    adapter = PlainTextAdapter()
    assert adapter.parse_continuation(Review, "review", "  Short.  ") == "Short."
    assert adapter.parse_continuation(Review, "review", "") == ""
    text = "Nice capo.\nStill nice.\nQuery:\nanother task"
    assert adapter.parse_continuation(Review, "review", text) == "Nice capo.\nStill nice."
    assert adapter.parse_continuation(Review, "review", "Fine.\n---\nmore") == "Fine."


def test_empty_continuation_is_kept_not_an_error():
    out = run(Review, fake_lm(responder=lambda p: "\n\n"), profile="p", query="q")
    assert out.review == ""


def test_multi_output_makes_one_call_per_field_in_order():
    lm = fake_lm(responder=lambda p: "the plan" if p.endswith("Plan:") else "the text")
    out = run(PlanThenWrite, lm, topic="capos")
    assert (out.plan, out.text) == ("the plan", "the text")
    first, second = lm.engine.calls
    assert first == "Plan, then write.\n\nTopic:\ncapos\nPlan:"
    assert second == first + " the plan\nText:"


def test_non_str_output_is_parsed_like_dspy():
    assert run(Rate, fake_lm(responder=lambda p: " 4"), text="good").stars == 4


def test_n_candidates_for_a_multi_output_signature():
    lm = fake_lm(responder=lambda p: "x")
    predict = dspy.Predict(PlanThenWrite)
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        out = predict(topic="t", config={"n": 3})
    assert len(out.completions) == 3
    assert len(lm.engine.calls) == 3 + 3  # first field sampled 3 times, then one call each


def test_non_str_inputs_are_formatted_readably():
    assert format_value(["a", "b"]) == "1. a\n2. b"
    assert format_value({"rating": 5, "tags": ["x"]}) == 'rating: 5\ntags: ["x"]'
    assert format_value(None) == "" and format_value(3.5) == "3.5"
    lm = fake_lm(responder=lambda p: "ok")
    run(Review, lm, profile=["first", {"stars": 4}], query=7)
    assert 'Past reviews (most recent first):\n1. first\n2. {"stars": 4}\n\nQuery:\n7\n' in (
        lm.engine.calls[0])


def test_chat_model_gets_exactly_chat_adapters_messages():
    answer = "[[ ## review ## ]]\nFine capo.\n\n[[ ## completed ## ]]"
    lm = fake_lm(responder=lambda p: answer)
    lm.model_type = "chat"
    demos = [{"profile": "old", "query": "q0", "review": "r0"}]
    out = run(Review, lm, demos, profile="p", query="q")
    assert out.review == "Fine capo."
    expected = ChatAdapter().format(Review, demos, {"profile": "p", "query": "q"})
    request = lm.engine.requests[0]
    assert request.system == expected[0]["content"]
    assert [(m.role, m.text) for m in request.messages] == [
        (m["role"], m["content"]) for m in expected[1:]]
    assert "[[ ## profile ## ]]" in expected[-1]["content"]


def test_async_predict_on_a_text_model():
    lm = fake_lm(responder=lambda p: "async ok")
    predict = dspy.Predict(Review)

    async def go():
        with dspy.context(lm=lm, adapter=PlainTextAdapter()):
            return await predict.acall(profile="p", query="q")

    assert asyncio.run(go()).review == "async ok"


def test_stop_can_be_overridden_per_adapter_and_per_call():
    lm = fake_lm(responder=lambda p: "a\nb")
    predict = dspy.Predict(Review)
    with dspy.context(lm=lm, adapter=PlainTextAdapter(stop=["\n"])):
        assert predict(profile="p", query="q").review == "a"
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        assert predict(profile="p", query="q", config={"stop": ["b"]}).review == "a"


def test_bootstrap_fewshot_demos_reach_the_base_model_prompt():
    lm = fake_lm(responder=lambda p: "a fine review")
    trainset = [dspy.Example(profile=f"profile {i}", query=f"query {i}",
                             review=f"gold {i}").with_inputs("profile", "query")
                for i in range(3)]
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        optimizer = dspy.BootstrapFewShot(metric=lambda ex, pred, trace=None: True,
                                          max_bootstrapped_demos=2, max_labeled_demos=2)
        program = optimizer.compile(dspy.Predict(Review), trainset=trainset)
        lm.engine.reset()
        program(profile="new profile", query="new query")
    prompt = lm.engine.calls[0]
    assert prompt.count("\n\n---\n\n") == 2
    assert "\nReview: a fine review\n\n---" in prompt
    assert prompt.endswith("Query:\nnew query\nReview:")


@pytest.mark.parametrize("model_type", ["text", "chat"])
def test_adapter_choice_follows_the_lm(model_type):
    lm = fake_lm(responder=lambda p: "[[ ## review ## ]]\nx\n\n[[ ## completed ## ]]")
    lm.model_type = model_type
    run(Review, lm, profile="p", query="q")
    request = lm.engine.requests[0]
    assert (request.system is None) == (model_type == "text")


def test_generation_stops_where_the_model_starts_another_record():
    lm = fake_lm(responder=lambda p: "Loud and clear.\nRating: 4.0. Summary: again")
    out = run(Review, lm, profile="p", query="Rating: 5.0. Summary: Loud.")
    assert lm.engine.requests[0].config.stop == ("\n\n", "\nRating:")
    assert out.review == "Loud and clear."
    run(Review, lm, profile="p", query="a capo that holds")
    assert lm.engine.requests[1].config.stop == ("\n\n",)
