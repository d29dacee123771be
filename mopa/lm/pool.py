"""The LMs of one run, by spec, shared by every predictor that names the same spec.

A spec is what ``mopa.lm.make_lm`` takes (``embedded``, ``fake``, ``openai/gpt-4o``, ...),
optionally with ``@<temperature>`` (``embedded@1.0``) so one model can stand in as several
differently-sampled proposers. ``text:`` marks a base model behind an OpenAI-compatible
completions endpoint (``text:openai/gemma --api-base http://127.0.0.1:8000/v1``): it gets plain
prompts, like the embedded model, instead of chat messages.

Programs take a pool when they are built (``build_program(config, lms)``) and pin each
predictor whose config names a spec to ``lms.get(spec)``; the others follow ``dspy.context``,
where the runner puts ``lms.default``.
"""

from __future__ import annotations

import threading

import dspy

from mopa.lm.factory import make_lm
from mopa.temperatures import EXPECTED, valid_temperature

IN_PROCESS = ("embedded", "fake")


def split_spec(spec: str) -> tuple[str, float | None]:
    name, sep, temp = spec.rpartition("@")
    if not sep:
        return spec, None
    try:
        temperature = float(temp)
    except ValueError:
        raise ValueError(f"bad LM spec {spec!r}: the part after '@' must be a temperature, "
                         "e.g. embedded@0.9") from None
    if not valid_temperature(temperature):
        raise ValueError(f"bad LM spec {spec!r}: the temperature after '@' must be {EXPECTED}, "
                         "e.g. embedded@0.9")
    return name, temperature


class LMPool:
    def __init__(self, default: str = "embedded", temperature: float = 0.7,
                 max_tokens: int = 256, api_base: str | None = None,
                 api_key_env: str | None = None, rpm: float | None = None,
                 tpm: float | None = None, batch_n: bool = False):
        self.default_spec = default
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.api_base = api_base
        self.api_key_env = api_key_env  # the NAME of the variable holding the key, never a key
        # Limits and n-choice requests of the API LMs; in-process LMs have neither.
        self.api_options = {"rpm": rpm, "tpm": tpm, "batch_n": batch_n}
        self._lms: dict[str, dspy.LM] = {}
        self._lock = threading.Lock()

    def get(self, spec: str | None = None) -> dspy.LM:
        spec = spec or self.default_spec
        with self._lock:
            if spec not in self._lms:
                name, temperature = split_spec(spec)
                text = name.startswith("text:")
                name = name.removeprefix("text:")
                api = name not in IN_PROCESS
                self._lms[spec] = make_lm(
                    name,
                    model_type="text" if text else "chat",
                    temperature=self.temperature if temperature is None else temperature,
                    max_tokens=self.max_tokens,
                    api_base=self.api_base,
                    # In-process LMs take no key: a fake proposer may sit next to an API LM.
                    api_key_env=self.api_key_env if api else None,
                    **(self.api_options if api else {}),
                )
            return self._lms[spec]

    @property
    def default(self) -> dspy.LM:
        return self.get(None)
