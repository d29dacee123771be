"""A pool of RAG-Personalized drafts per example and length policy, generated through the
project's own code path (so DSPy's disk cache holds them for the real program later).

Exactly what a MoPA layer does for agent i (programs/layer.py): `dspy.Predict(for_task(Propose,
task))` with PlainTextAdapter, inputs from `program_inputs(example, k, max_words)`, and
`config={"rollout_id": i}` for i = 1..N, on `make_lm("embedded", temperature, max_tokens)`. The
pool is a JSONL file, one line per (example, policy, layer), appended as soon as its drafts are
done; a rerun skips finished lines, and half-finished ones come back from DSPy's cache.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import dspy

from mopa.data import Example
from mopa.length import user_token_budget
from mopa.lm import PlainTextAdapter, make_lm
from mopa.program_inputs import program_inputs
from mopa.signatures import Propose, for_task

FIXED_TOKENS = 256  # today's default max_tokens


# "-para" policies let a draft run on past a blank line. The adapter's default stop (the
# first blank line) ends most drafts long before max_tokens (the first 6 examples: 10% of
# drafts reached it, at ~75 words against users' ~170), so a token budget alone cannot make
# drafts as long as the user writes. The run-on guards stay: the adapter cuts at the next
# record's label and at any prompt field label, and clean_text cuts run-ons.
PARA_SUFFIX = "-para"
PARA_STOP = ["\n\n\n\n"]


def policy_config(policy: str) -> dict:
    return {"stop": list(PARA_STOP)} if policy.endswith(PARA_SUFFIX) else {}


def policy_tokens(example: Example, policy: str) -> int:
    """max_tokens under a policy name: "fixed256" or "user<factor>" (e.g. "user1.5"), either
    optionally with the "-para" suffix."""
    policy = policy.removesuffix(PARA_SUFFIX)
    if policy.startswith("fixed"):
        return int(policy[len("fixed"):] or FIXED_TOKENS)
    if policy.startswith("user"):
        return user_token_budget(example, float(policy[len("user"):]))
    raise ValueError(f"unknown length policy {policy!r}; use fixed<N> or user<factor>")


def as_past_text(example: Example, draft: str) -> str:
    """A draft shown as the user's newest past text, with the new text's own header."""
    spec = example.spec
    return f"{spec.describe_input(example.input)}\n{spec.text_label}: {draft}"


def layer_inputs(example: Example, k: int, max_words: int | None,
                 previous: str | None = None) -> dict[str, str]:
    """The proposer's inputs; for a refinement layer, the previous layer's chosen draft joins
    the profile block as the most recent past text (most recent first), so a base model only
    has to continue a document, never follow an instruction to revise."""
    inputs = program_inputs(example, k=k, max_words=max_words)
    inputs.pop("latest")
    if previous is not None:
        words = previous.split()
        shown = " ".join(words if max_words is None else words[:max_words])
        inputs["profile"] = as_past_text(example, shown) + "\n\n" + inputs["profile"]
    return inputs


def call_predictor(predictor: dspy.Predict, retries: int, config: dict, **inputs) -> str:
    """programs/layer.py's call_predictor (same calls, same cache keys), inlined so this
    benchmark does not import the programs package while it is being reworked."""
    for _ in range(retries):
        try:
            return predictor(**inputs, config=dict(config))["output"]
        except Exception:
            continue
    return predictor(**inputs, config=dict(config))["output"]


class DraftPool:
    """Generates and stores drafts; `lines` maps (id, policy, layer) to the stored record."""

    def __init__(self, path: Path, drafts: int = 8, temperature: float = 0.7, k: int = 4,
                 max_words: int | None = 100):
        self.path, self.drafts, self.temperature = Path(path), drafts, temperature
        self.k, self.max_words = k, max_words
        self.lines: dict[tuple[str, str, int], dict] = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    rec = json.loads(line)
                    self.lines[(rec["id"], rec["policy"], rec.get("layer", 1))] = rec
        self._lms: dict[int, dspy.LM] = {}

    def lm(self, max_tokens: int) -> dspy.LM:
        if max_tokens not in self._lms:
            self._lms[max_tokens] = make_lm("embedded", temperature=self.temperature,
                                            max_tokens=max_tokens)
        return self._lms[max_tokens]

    def get(self, example: Example, policy: str, layer: int = 1,
            previous: str | None = None) -> dict:
        """The stored record, generating (and appending) it first if needed."""
        key = (example.id, policy, layer)
        rec = self.lines.get(key)
        if (rec is not None and len(rec["drafts"]) >= self.drafts
                and rec.get("previous") == previous):
            return rec
        max_tokens = policy_tokens(example, policy)
        inputs = layer_inputs(example, self.k, self.max_words, previous)
        predictor = dspy.Predict(for_task(Propose, example.spec))
        drafts, seconds = [], []
        with dspy.context(lm=self.lm(max_tokens), adapter=PlainTextAdapter()):
            for i in range(1, self.drafts + 1):
                start = time.perf_counter()
                drafts.append(call_predictor(predictor, 2,
                                             {"rollout_id": i, **policy_config(policy)},
                                             **inputs))
                seconds.append(round(time.perf_counter() - start, 3))
        rec = {"id": example.id, "policy": policy, "layer": layer, "max_tokens": max_tokens,
               "previous": previous, "drafts": drafts, "seconds": seconds}
        self.lines[key] = rec
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return rec
