import typing

import dspy
import pytest
from dspy.utils.dummies import DummyLM

from mopa.scoring.judge_settings import JUDGE_MODES
from mopa.signatures import ComparePair, RateText, RateWithReference, judge_signature
from mopa.signatures.judge import header_names
from mopa.tasks import TASKS


def _prompt_text(signature) -> str:
    return signature.instructions + " ".join(f.json_schema_extra.get("desc", "")
                                             for f in signature.fields.values())


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("mode", JUDGE_MODES)
def test_every_mode_is_worded_for_every_task(task, mode):
    text = _prompt_text(judge_signature(mode, TASKS[task]))
    assert "{" not in text, "an unfilled placeholder"
    assert TASKS[task].short_noun in text and TASKS[task].writer_noun in text
    assert header_names(TASKS[task]) in text


def test_the_rubric_is_written_once_and_shared_by_every_mode():
    rubric = judge_signature("pointwise", TASKS["product_review"]).instructions
    assert "coherence" in rubric and "fit" in rubric and "1 (very poor) to 5" in rubric
    for mode in ("reference", "pairwise"):
        other = judge_signature(mode, TASKS["product_review"]).instructions
        assert other.startswith(rubric) and len(other) > len(rubric)
    assert RateWithReference.instructions.startswith(RateText.instructions)
    assert ComparePair.instructions.startswith(RateText.instructions)


def test_header_names_come_from_the_task_table():
    assert header_names(TASKS["product_review"]) == "rating, product and summary"
    assert header_names(TASKS["abstract_generation"]) == "title and keywords"
    assert header_names(TASKS["topic_writing"]) == "topic"


def test_fields_of_each_mode():
    assert list(RateText.input_fields) == ["task_prompt", "past_texts", "candidate"]
    assert list(RateText.output_fields) == ["reason", "coherence", "fit"]
    assert RateText.output_fields["coherence"].annotation is int
    assert list(RateWithReference.input_fields) == ["task_prompt", "past_texts", "real_text",
                                                    "candidate"]
    assert list(ComparePair.input_fields) == ["task_prompt", "past_texts", "candidate_a",
                                              "candidate_b"]
    assert list(ComparePair.output_fields) == ["reason", "preferred"]
    assert typing.get_args(ComparePair.output_fields["preferred"].annotation) == ("A", "B")


def test_an_unknown_mode_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="pointwise, reference, pairwise"):
        judge_signature("listwise", TASKS["product_review"])


def test_a_rubric_reply_parses_into_integer_scores():
    lm = DummyLM({"Holds tight and never buzzes": {"reason": "on topic", "coherence": "4",
                                                   "fit": "2"}})
    judge = dspy.Predict(judge_signature("pointwise", TASKS["product_review"]))
    with dspy.context(lm=lm):
        out = judge(task_prompt="Write a review.", past_texts="1. Review: Fine.",
                    candidate="Holds tight and never buzzes.")
    assert (out.coherence, out.fit, out.reason) == (4, 2, "on topic")


def test_a_pairwise_reply_parses_into_a_label():
    lm = DummyLM({"second text": {"reason": "B is in voice", "preferred": "B"}})
    judge = dspy.Predict(judge_signature("pairwise", TASKS["topic_writing"]))
    with dspy.context(lm=lm):
        out = judge(task_prompt="Write a post.", past_texts="1. Post: Hi.",
                    candidate_a="first text", candidate_b="second text")
    assert out.preferred == "B"
