"""Which LM judges outputs with the readers' rubric, in which mode, as flags (``--judge-lm``,
``--judge-mode``, ...); and which LMs are refused as judges.

The one declaration of the judge's flags: ``MetricSettings`` (``mopa.runs.settings``) holds a
``JudgeSettings``, so every command that scores takes the same judge flags with one meaning.
This module stays light (no DSPy), so commands can build their flags from it without loading an
LM; ``mopa.scoring.judge.judge_from(settings)`` builds the ``Judge`` they name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mopa.settings import setting

JUDGE_MODES = ("pointwise", "reference", "pairwise")
BASE_MODEL_REASON = "a base model cannot follow a rubric"
_TEMPERATURE_SUFFIX = re.compile(r"@[^@/]*$")


def base_model_refusal(spec: str) -> str | None:
    """Why ``spec`` cannot judge (the embedded model, or a ``text:`` base model), or None."""
    name = _TEMPERATURE_SUFFIX.sub("", spec.strip())
    if name == "embedded" or name.startswith("text:"):
        return (f"--judge-lm {spec!r} is a base model and {BASE_MODEL_REASON}; pass a chat "
                "model such as openai/gpt-4o-mini (or --judge-force to use it anyway)")
    return None


@dataclass(frozen=True)
class JudgeSettings:
    judge_lm: str | None = setting(None, "LM that scores outputs with the blind readers' "
                                   "rubric (coherence and fit 1-5): a LiteLLM model string "
                                   "such as openai/gpt-4o-mini, or fake (default: no judge)")
    judge_mode: str = setting("pointwise", "pointwise: each output on its own; reference: "
                              "also shown the user's real text; pairwise: two outputs "
                              "compared, in both orders", choices=JUDGE_MODES)
    judge_force: bool = setting(False, "use --judge-lm even if it is a base model (the "
                                "embedded one or text:...), which is refused otherwise")
    judge_api_base: str | None = setting(None, "OpenAI-compatible server URL of --judge-lm")
    # A name, not a key (see RunSettings.api_key_env).
    judge_api_key_env: str | None = setting(None, "NAME of the environment variable holding "
                                            "the API key of --judge-lm", recorded=False)

    def __post_init__(self):
        refusal = None if self.judge_lm is None or self.judge_force else \
            base_model_refusal(self.judge_lm)
        if self.judge_mode not in JUDGE_MODES:
            raise ValueError(f"--judge-mode {self.judge_mode!r}: expected "
                             f"{' or '.join(JUDGE_MODES)}")
        if refusal:
            raise ValueError(refusal)
