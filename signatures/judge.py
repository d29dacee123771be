"""The reader's rubric as judge prompts: one candidate scored on its own (``RateText``), the
same with the user's real text beside it (``RateWithReference``), or two candidates compared
(``ComparePair``).

The rubric is the blind readers' (coherence 1-5, fit 1-5; see the reader protocol): written once,
in ``RateText``'s docstring, with the task's wording filled in by ``judge_signature``; the other
two modes add a paragraph to it instead of restating it.
"""

from __future__ import annotations

from typing import Literal

import dspy

from mopa.scoring.judge_settings import JUDGE_MODES
from mopa.signatures.wording import for_task
from mopa.tasks import Task

# The scale of both rubric scores (the readers' 1 = very poor to 5 = excellent).
SCORE_RANGE = (1, 5)


class RateText(dspy.Signature):
    """You are a strict and consistent reader. You are shown the task given to one
    {writer_noun}, this {writer_noun}'s most recent past {short_noun}s (newest first) and a
    candidate {short_noun} written for the task. Judge the candidate by two criteria, each
    scored from 1 (very poor) to 5 (excellent):

    - coherence: one fluent, coherent text by one person, judged on its own: no
    contradictions, non-sequiturs, repeated sentences or ideas, stray fragments or leftover
    task text.
    - fit: it does the task for this {writer_noun}: consistent with what the task
    states ({header_names}), about the right {subject_noun}, in this {writer_noun}'s voice (tone,
    vocabulary, sentence style, typical length) as the past {short_noun}s show.

    Length earns nothing by itself. An empty or one-word candidate scores 1 on both."""

    task_prompt: str = dspy.InputField(desc="the task the {writer_noun} was given")
    past_texts: str = dspy.InputField(
        desc="this {writer_noun}'s most recent past {short_noun}s, newest first")
    candidate: str = dspy.InputField(desc="the candidate {short_noun} to judge")
    reason: str = dspy.OutputField(desc="one or two sentences: the candidate's main faults "
                                   "and strengths")
    coherence: int = dspy.OutputField(desc="an integer from 1 to 5")
    fit: int = dspy.OutputField(desc="an integer from 1 to 5")


_REFERENCE_NOTE = """You are also shown the {short_noun} this {writer_noun} really wrote for
this task. Use it to judge fit: could the candidate stand in for it, in content and voice?
Shared words alone earn nothing; coherence is still judged on the candidate alone."""

RateWithReference = RateText.insert(
    2, "real_text", dspy.InputField(desc="the {short_noun} this {writer_noun} really wrote "
                                    "for the task"), type_=str,
).with_instructions(RateText.instructions + "\n\n" + _REFERENCE_NOTE)


_PAIR_NOTE = """Two candidates, A and B, are shown instead of one. Weigh both criteria for each
and answer which one this {writer_noun} more plausibly wrote. The order of the candidates says
nothing about them."""

ComparePair = (
    RateText.delete("candidate").delete("coherence").delete("fit")
    .insert(2, "candidate_a", dspy.InputField(desc="candidate A"), type_=str)
    .insert(3, "candidate_b", dspy.InputField(desc="candidate B"), type_=str)
    .with_updated_fields("reason", desc="one or two sentences: what decides between them")
    .append("preferred", dspy.OutputField(desc="A or B: the one this {writer_noun} more "
                                          "plausibly wrote"), type_=Literal["A", "B"])
    .with_instructions(RateText.instructions + "\n\n" + _PAIR_NOTE)
)

_BY_MODE = {"pointwise": RateText, "reference": RateWithReference, "pairwise": ComparePair}


def header_names(task: Task) -> str:
    """What the task states about the new text, in words: "rating, product and summary"."""
    names = [label.lower() for label, _ in task.header_fields]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def judge_signature(mode: str, task: Task) -> type[dspy.Signature]:
    """The judge prompt of one mode, worded for one task."""
    if mode not in _BY_MODE:
        raise ValueError(f"unknown judge mode {mode!r}; expected one of: "
                         f"{', '.join(JUDGE_MODES)}")
    signature = for_task(_BY_MODE[mode], task)
    return signature.with_instructions(
        signature.instructions.replace("{header_names}", header_names(task)))
