"""The LMs of one run, by spec, shared by every predictor that names the same spec.

A spec is what ``mopa.lm.make_lm`` takes (``embedded``, ``fake``, ``openai/gpt-4o``, ...),
optionally with ``@<temperature>`` (``embedded@1.0``) so one model can stand in as several
differently-sampled proposers. ``text:`` marks a base model behind an OpenAI-compatible
completions endpoint (``text:openai/gemma --api-base http://127.0.0.1:8000/v1``): it gets plain
prompts, like the embedded model, instead of chat messages.
"""

from __future__ import annotations

import threading

import dspy


def split_spec(spec: str) -> tuple[str, float | None]:
    name, sep, temp = spec.rpartition("@")
    if not sep:
        return spec, None
    try:
        return name, float(temp)
    except ValueError:
        raise ValueError(f"bad LM spec {spec!r}: the part after '@' must be a temperature, "
                         "e.g. embedded@0.9") from None


class LMPool:
    def __init__(self, default: str = "embedded", temperature: float = 0.7,
                 max_tokens: int = 256, api_base: str | None = None):
        self.default_spec = default
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.api_base = api_base
        self._lms: dict[str, dspy.LM] = {}
        self._lock = threading.Lock()

    def get(self, spec: str | None = None) -> dspy.LM:
        spec = spec or self.default_spec
        with self._lock:
            if spec not in self._lms:
                from mopa.lm import make_lm

                name, temperature = split_spec(spec)
                text = name.startswith("text:")
                self._lms[spec] = make_lm(
                    name.removeprefix("text:"),
                    model_type="text" if text else "chat",
                    temperature=self.temperature if temperature is None else temperature,
                    max_tokens=self.max_tokens,
                    api_base=self.api_base,
                )
            return self._lms[spec]

    @property
    def default(self) -> dspy.LM:
        return self.get(None)

    def attach(self, program: dspy.Module) -> dspy.Module:
        """Pin each predictor that names an LM spec to that LM; others use the default."""
        for _, predictor in program.named_predictors():
            spec = getattr(predictor, "lm_spec", None)
            predictor.lm = self.get(spec) if spec else None
        return program

    def specs(self) -> list[str]:
        return sorted(self._lms)
