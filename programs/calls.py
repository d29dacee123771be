"""How programs build and call their predictors: shared by RAG-Personalized, PlanPers and MoPA.

A call that fails raises: transient LM errors (rate limits, server errors) are already retried
by ``dspy.LM`` (``num_retries``, see ``mopa.lm.factory``), so whatever reaches a program is a
real failure, which MoPA records per agent and the runner per example, with its cause.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import dspy

from mopa.length import budget_from_words, trim_to_sentence
from mopa.lm.adapter import PlainTextAdapter
from mopa.tally import RESAMPLED, note

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool
    from mopa.programs.config import ProgramConfig

MAX_ASPECTS = 6
PLAN_MAX_TOKENS = 96  # 3-6 aspect lines of 2-5 words need few tokens
# A resample's rollout ids sit past any agent's own (agents use 1..N), so no two attempts of
# one example share a cache entry.
RESAMPLE_STRIDE = 1000


def make_predictor(signature: type[dspy.Signature], lms: LMPool | None,
              lm: str | None) -> dspy.Predict:
    """A predictor pinned to the LM its config names (``lm``, a spec) from ``lms``; without a
    pool or a spec it keeps no LM of its own and uses the one of ``dspy.context``."""
    predict = dspy.Predict(signature)
    if lms is not None and lm:
        predict.set_lm(lms.get(lm))
    return predict


def call_predictor(predictor: dspy.Predict, config: dict | None = None, **inputs) -> str:
    """The predictor's (single) output field. Under DSPy's default adapter (none configured)
    the call uses MoPA's: DSPy's ChatAdapter asks for ``[[ ## field ## ]]`` markers that a base
    model cannot write (AdapterParseError), while ``PlainTextAdapter`` renders plain text for a
    base model and defers to ChatAdapter for a chat model, so a built program works under a
    bare ``dspy.configure(lm=...)`` whichever kind of LM it gets."""
    name = next(iter(predictor.signature.output_fields))
    if dspy.settings.adapter is None:
        with dspy.context(adapter=PlainTextAdapter()):
            return predictor(**inputs, config=dict(config or {}))[name]
    return predictor(**inputs, config=dict(config or {}))[name]


def aspect_list(text: str, most: int = MAX_ASPECTS) -> str:
    """The plan as at most ``most`` distinct aspect lines (small models repeat themselves)."""
    seen, lines = set(), []
    for line in text.splitlines():
        aspect = line.strip().lstrip("-*0123456789.) ").strip()
        if aspect and aspect.lower() not in seen:
            seen.add(aspect.lower())
            lines.append(f"- {aspect}")
    return "\n".join(lines[:most]) or text.strip()


def make_plan(planner: dspy.Predict, profile: str, query: str,
              rollout_id: int | None = None) -> str:
    """One planner call: a short list of aspects."""
    config = {"max_tokens": PLAN_MAX_TOKENS}
    if rollout_id is not None:
        config["rollout_id"] = rollout_id
    return aspect_list(call_predictor(planner, config, profile=profile, query=query))


def length_config(config: ProgramConfig, user_words: float | None) -> dict:
    """The call config of this example's generations: max tokens fitted to the user when the
    program has a length factor (otherwise the LM's own max_tokens applies)."""
    if config.length_factor is None:
        return {}
    return {"max_tokens": budget_from_words(user_words, config.length_factor)}


def finish(config: ProgramConfig, text: str) -> str:
    """A generated text as the program keeps it: cut back to its last complete sentence when
    the program trims (a generation stopped by max_tokens ends mid-sentence)."""
    return trim_to_sentence(text) if config.trim else text


def shortest_words(config: ProgramConfig, user_words: float | None) -> int:
    """The fewest words a generated text may have before it is resampled: ``min_length`` x
    the user's median past length, and at least one word (an empty text is never kept while a
    resample is left); 0 when the policy is off."""
    if config.min_length is None:
        return 0
    return max(1, round(config.min_length * (user_words or 0)))


def write(predictor: dspy.Predict, config: ProgramConfig, user_words: float | None,
          call: dict, **inputs) -> str:
    """One generated text under the length policy: ``call`` carries the user's token budget;
    the text is trimmed to whole sentences (``finish``), and while it is shorter than
    ``shortest_words`` it is written again with a new rollout, up to ``resamples`` times,
    keeping the longest. Why: a 270M base model often ends at once (an empty answer) or after
    a few words; a single-call system would score 0 there where a multi-draft one cannot, so
    every LM system and baseline gets the same second chance. Each resample is counted."""
    floor = shortest_words(config, user_words)
    best = ""
    for attempt in range(config.resamples + 1):
        attempt_call = dict(call)
        if attempt:
            note(RESAMPLED)
            attempt_call["rollout_id"] = (call.get("rollout_id") or 0) + attempt * RESAMPLE_STRIDE
        text = finish(config, call_predictor(predictor, attempt_call, **inputs))
        if attempt == 0 or len(text.split()) > len(best.split()):
            best = text
        if len(best.split()) >= floor:
            break
    return best


def format_drafts(drafts: list[str]) -> str:
    return "\n\n".join(f"Draft {i}: {d}" for i, d in enumerate(drafts, start=1))
