"""An LLM judge that reads outputs the way the blind readers did (``mopa.signatures.judge``).

``Judge(lm, mode)`` rates one text (``rate``: coherence and fit 1-5, pointwise or beside the
user's real text) or compares two (``compare``: asked in both orders, a verdict counts only if
it survives the swap, otherwise the pair is a tie). A reply that does not parse, or gives a
score off the scale, is asked again under a new ``rollout_id`` (a distinct cache entry,
sampled at ``RETRY_TEMPERATURE``) up to ``retries`` times; one that never parses is recorded
as failed, scored NaN and counted, never as a low score. Replies go through DSPy's cache, so
judging the same text twice calls the LM once. The judge's calls, tokens and cost are counted
in ``Judge.usage``, apart from the system's (``mopa.scoring.judge_usage``).

A base model (the embedded one, or any ``model_type="text"`` LM) is refused: it cannot follow
a rubric. ``force=True`` overrides that.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from mopa.data import Example
from mopa.lm.fake import FakeEngine, fake_lm
from mopa.lm.pool import LMPool
from mopa.scoring.judge_settings import (
    BASE_MODEL_REASON,
    JUDGE_MODES,
    JudgeSettings,
    base_model_refusal,
)
from mopa.scoring.judge_usage import JudgeUsage
from mopa.signatures.judge import SCORE_RANGE, judge_signature
from mopa.tasks import TASKS

# What the judge is shown of the user: their most recent past texts, newest first, each cut
# to this many words (the blind readers saw three, cut to 900 characters).
PAST_TEXTS = 3
PAST_WORDS = 150
RETRIES = 2
# A retry at temperature 0 would likely repeat the reply that failed to parse.
RETRY_TEMPERATURE = 1.0
JUDGE_MAX_TOKENS = 400
EMPTY = "(empty)"


class Unreadable(ValueError):
    """A reply that parsed but is not a verdict on the rubric's scale."""


@dataclass(frozen=True)
class Judgment:
    coherence: int | None
    fit: int | None
    reason: str = ""
    attempts: int = 1
    error: str | None = None  # why the last reply could not be read, when none could

    @property
    def failed(self) -> bool:
        return self.coherence is None or self.fit is None

    @property
    def score(self) -> float:
        """The mean of coherence and fit mapped from 1..5 to 0..1; NaN when it failed."""
        if self.failed:
            return math.nan
        low, high = SCORE_RANGE
        return ((self.coherence + self.fit) / 2 - low) / (high - low)


@dataclass(frozen=True)
class Comparison:
    # "first", "second", "tie" (the verdict changed when the order did), or None (a reply
    # never parsed).
    winner: str | None
    # The label preferred with the first text shown as A, then with it shown as B.
    verdicts: tuple[str | None, str | None]
    reasons: tuple[str, str] = ("", "")

    @property
    def score(self) -> float:
        """1 if the first text wins, 0 if the second does, 0.5 for a tie, NaN if failed."""
        return {"first": 1.0, "second": 0.0, "tie": 0.5}.get(self.winner, math.nan)


def swap_verdict(as_a: str | None, as_b: str | None) -> str | None:
    """The winner from two verdicts: ``as_a`` with the first text shown as A, ``as_b`` with it
    shown as B. Only a preference that follows the text across the swap counts."""
    if as_a is None or as_b is None:
        return None
    if as_a == "A" and as_b == "B":
        return "first"
    if as_a == "B" and as_b == "A":
        return "second"
    return "tie"


def refuses(lm: Any) -> str | None:
    """Why ``lm`` cannot judge, or None. A fake is a test stand-in, whatever its model type."""
    engine = getattr(lm, "_engine_spec", None)
    if getattr(lm, "model_type", "chat") == "text" and not isinstance(engine, FakeEngine):
        return (f"{getattr(lm, 'model', lm)!r} is a base model (model_type='text') and "
                f"{BASE_MODEL_REASON}; judge with a chat model, or pass force=True")
    return None


class Judge(dspy.Module):
    def __init__(self, lm: Any, mode: str = "pointwise", *, retries: int = RETRIES,
                 force: bool = False):
        super().__init__()
        if mode not in JUDGE_MODES:
            raise ValueError(f"unknown judge mode {mode!r}; expected one of: "
                             f"{', '.join(JUDGE_MODES)}")
        if retries < 0:
            raise ValueError(f"retries must be >= 0, got {retries}")
        refusal = None if force else refuses(lm)
        if refusal:
            raise ValueError(refusal)
        self.judge_lm = lm
        self.mode = mode
        self.retries = retries
        self.usage = JudgeUsage()
        # No JSON fallback: it would make a second call of its own that the retries and the
        # usage count would not see.
        self.adapter = dspy.ChatAdapter(use_json_adapter_fallback=False)
        self.predictors = {f"{m}:{task}": dspy.Predict(judge_signature(m, spec))
                           for m in JUDGE_MODES for task, spec in TASKS.items()}

    def forward(self, example: Example, candidate: str, other: str | None = None):
        """In pairwise mode compare ``candidate`` with ``other``; otherwise rate it."""
        if self.mode == "pairwise":
            if other is None:
                raise ValueError("a pairwise judge compares two texts: pass other=")
            return self.compare(example, candidate, other)
        return self.rate(example, candidate)

    def rate(self, example: Example, candidate: str, reference: bool | None = None) -> Judgment:
        """Coherence and fit of ``candidate``; shown the real text too in reference mode (or
        when ``reference`` says so)."""
        reference = self.mode == "reference" if reference is None else reference
        inputs = self._context(example) | {"candidate": candidate.strip() or EMPTY}
        if reference:
            inputs["real_text"] = example.output.strip() or EMPTY
        mode = "reference" if reference else "pointwise"
        out, attempts, error = self._ask(mode, example, inputs, _read_scores)
        self.usage.count("judgments")
        if out is None:
            return Judgment(None, None, attempts=attempts, error=error)
        return Judgment(out.coherence, out.fit, str(out.reason), attempts)

    def compare(self, example: Example, first: str, second: str) -> Comparison:
        """Which of two texts this user more plausibly wrote, asked in both orders."""
        first, second = first.strip() or EMPTY, second.strip() or EMPTY
        verdicts, reasons = [], []
        for a, b in ((first, second), (second, first)):
            inputs = self._context(example) | {"candidate_a": a, "candidate_b": b}
            out, _, _ = self._ask("pairwise", example, inputs, _read_preference)
            verdicts.append(None if out is None else out.preferred)
            reasons.append("" if out is None else str(out.reason))
        winner = swap_verdict(*verdicts)
        self.usage.count("judgments")
        if winner == "tie":
            self.usage.count("inconsistent")
        return Comparison(winner, tuple(verdicts), tuple(reasons))

    def score(self, predictions: Sequence[str], examples: Sequence[Example]) -> list[float]:
        """One 0..1 score per prediction (NaN where the judge's replies never parsed)."""
        if self.mode == "pairwise":
            raise ValueError("a pairwise judge compares two systems' outputs (Judge.compare); "
                             "to score one system's outputs use mode pointwise or reference")
        return [self.rate(ex, text).score for text, ex in zip(predictions, examples, strict=True)]

    def _context(self, example: Example) -> dict[str, str]:
        spec = example.spec
        past = example.profile[-PAST_TEXTS:][::-1]
        texts = "\n\n".join(f"{i}. {spec.display(item, PAST_WORDS)}"
                            for i, item in enumerate(past, 1))
        return {"task_prompt": example.input, "past_texts": texts or "(none)"}

    def _ask(self, mode: str, example: Example, inputs: dict, read):
        """(prediction, attempts, error): the first reply ``read`` accepts, or None."""
        predictor = self.predictors[f"{mode}:{example.task}"]
        error = None
        for attempt in range(self.retries + 1):
            config = {} if attempt == 0 else {"rollout_id": attempt,
                                              "temperature": RETRY_TEMPERATURE}
            if attempt:
                self.usage.count("retries")
            try:
                with self.usage.call(self.judge_lm, self.adapter):
                    out = predictor(**inputs, config=config)
                read(out)
                return out, attempt + 1, None
            except (AdapterParseError, Unreadable) as e:
                error = f"{type(e).__name__}: {str(e)[:300]}"
        self.usage.count("failures")
        return None, self.retries + 1, error


def _read_scores(out: dspy.Prediction) -> None:
    low, high = SCORE_RANGE
    for name in ("coherence", "fit"):
        value = getattr(out, name)
        if not isinstance(value, int) or not low <= value <= high:
            raise Unreadable(f"{name} {value!r} is not an integer from {low} to {high}")


def _read_preference(out: dspy.Prediction) -> None:
    if out.preferred not in ("A", "B"):
        raise Unreadable(f"preferred {out.preferred!r} is neither A nor B")


def fake_verdict(prompt: str) -> str:
    """A deterministic judge reply for the fake LM: scores (or a preference) drawn from a hash
    of the prompt, in the chat adapter's field format, so offline runs get numbers."""
    digest = hashlib.sha256(prompt.encode("utf-8")).digest()
    if "[[ ## candidate_a ## ]]" in prompt:
        fields = {"reason": "fake judge", "preferred": "AB"[digest[0] % 2]}
    else:
        low, high = SCORE_RANGE
        span = high - low + 1
        fields = {"reason": "fake judge", "coherence": low + digest[0] % span,
                  "fit": low + digest[1] % span}
    return "".join(f"[[ ## {k} ## ]]\n{v}\n\n" for k, v in fields.items()) + \
        "[[ ## completed ## ]]"


def make_judge(spec: str, mode: str = "pointwise", *, force: bool = False,
               api_base: str | None = None, api_key_env: str | None = None,
               retries: int = RETRIES) -> Judge:
    """A judge on its own LM, built from a spec as ``--lm`` takes it (greedy unless
    ``spec@T``); ``fake`` answers the rubric deterministically."""
    refusal = None if force else base_model_refusal(spec)
    if refusal:
        raise ValueError(refusal)
    if spec.strip() == "fake":
        lm = fake_lm(responder=fake_verdict, temperature=0.0, max_tokens=JUDGE_MAX_TOKENS,
                     cache=True, name="local/fake-judge")
    else:
        lm = LMPool(spec, temperature=0.0, max_tokens=JUDGE_MAX_TOKENS, api_base=api_base,
                    api_key_env=api_key_env).get()
    return Judge(lm, mode, retries=retries, force=force)


def judge_from(settings: JudgeSettings) -> Judge | None:
    """The judge ``settings`` name (None without --judge-lm)."""
    if settings.judge_lm is None:
        return None
    return make_judge(settings.judge_lm, settings.judge_mode, force=settings.judge_force,
                      api_base=settings.judge_api_base, api_key_env=settings.judge_api_key_env)
