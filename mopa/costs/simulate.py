"""Rehearse a program on a few examples with stand-in LMs, to count its calls and tokens.

A dry run must say what a program will ask of its LMs without asking them. So the program is
built for real, from its config, but on a ``DryPool``: every spec of the run gets a stand-in
LM of the same kind (base model or chat) that answers at once. The program's own code then
renders its real prompts through the real adapter (``PlainTextAdapter``; DSPy's ChatAdapter for
a chat LM), and each stand-in counts the prompt's tokens (whitespace words x
``TOKENS_PER_WORD``) and answers with as many tokens as the call's budget allows: the length
policy's ``length_factor`` x the user's median words x 1.3 (see ``mopa.length``), or the LM's
``--max-tokens`` without one. A generation is assumed to use its whole budget: an upper bound
per call, and later prompts that quote drafts (refiners, the merge) grow as they would.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass

import dspy
from dspy.lm15 import Request, Response, response_to_events

from mopa.data import Example
from mopa.length import TOKENS_PER_WORD
from mopa.lm import PlainTextAdapter
from mopa.lm.async_engine import AsyncFromSync
from mopa.lm.embedded import request_prompt, text_response
from mopa.lm.fake import FakeEngine
from mopa.lm.pool import IN_PROCESS, LMPool, split_spec
from mopa.program_inputs import program_inputs
from mopa.programs import ProgramConfig, build_program

FILLER = ("the", "sound", "is", "clear", "and", "the", "build", "feels", "solid", "for",
          "the", "price", "I", "would", "buy", "it", "again")
# ChatAdapter names the fields a reply must hold after this sentence of its last message.
_RESPOND = "Respond with the corresponding output fields"
_CHAT_FIELD = re.compile(r"`\[\[ ## (\w+) ## \]\]`")


@dataclass
class Usage:
    """What one LM spec was asked for: calls and tokens (totals over the rehearsed examples)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def per_example(self, n: int) -> Usage:
        return Usage(self.calls / n, self.prompt_tokens / n, self.completion_tokens / n)


def filler(words: int) -> str:
    """``words`` words of plain text ending a sentence (a trimmed output keeps all of it)."""
    text = " ".join(FILLER[i % len(FILLER)] for i in range(max(1, words)))
    return text + "."


def prompt_tokens(prompt: str) -> int:
    return math.ceil(len(prompt.split()) * TOKENS_PER_WORD)


def chat_reply(prompt: str, text: str) -> str:
    """``text`` in every output field ChatAdapter asks for, in its ``[[ ## field ## ]]`` form."""
    asked = prompt[prompt.rfind(_RESPOND):] if _RESPOND in prompt else ""
    names = [n for n in dict.fromkeys(_CHAT_FIELD.findall(asked)) if n != "completed"]
    return "".join(f"[[ ## {n} ## ]]\n{text}\n\n" for n in names) + "[[ ## completed ## ]]"


class DryEngine:
    """A stand-in LM: answers every call with filler as long as its token budget, counting."""

    def __init__(self, chat: bool, max_tokens: int):
        self.chat, self.max_tokens = chat, max_tokens
        self.usage = Usage()
        # Prompts already billed in this example, when identical ones share one request (n=N).
        self.billed: set[str] | None = None
        self._count = threading.Lock()

    def complete(self, request: Request) -> Response:
        prompt = request_prompt(request)
        budget = request.config.max_tokens or self.max_tokens
        text = filler(round(budget / TOKENS_PER_WORD))
        with self._count:
            self.usage.calls += 1
            if self.billed is None or prompt not in self.billed:
                self.usage.prompt_tokens += prompt_tokens(prompt)
            if self.billed is not None:
                self.billed.add(prompt)
            self.usage.completion_tokens += budget
        return text_response(request, chat_reply(prompt, text) if self.chat else text, "stop",
                             prompt_tokens(prompt), budget)

    def stream(self, request: Request):
        return response_to_events(self.complete(request))

    def close(self) -> None:
        pass

    def dump_state(self) -> dict:
        return {"chat": self.chat, "max_tokens": self.max_tokens}

    @classmethod
    def load_state(cls, state: dict) -> DryEngine:
        return cls(**state)


class ScoringDryEngine(DryEngine):
    """The stand-in of an in-process LM, which can also score texts (the likelihood and
    contrast aggregators need it; a chat API's stand-in cannot, as the API cannot)."""

    token_logprobs = FakeEngine.token_logprobs


class AsyncDryEngine(AsyncFromSync):
    sync_type = DryEngine


def is_chat(spec: str) -> bool:
    """Whether the LM a spec names is a chat model (the pool makes every other one text)."""
    name, _ = split_spec(spec)
    return not (name.startswith("text:") or name in IN_PROCESS or name.startswith("fake?"))


def is_text_api(spec: str) -> bool:
    return split_spec(spec)[0].startswith("text:")


class DryPool(LMPool):
    """An ``LMPool`` whose every spec is a ``DryEngine`` stand-in of the same kind."""

    def get(self, spec: str | None = None) -> dspy.LM:
        spec = spec or self.default_spec
        with self._lock:
            if spec not in self._lms:
                kind = DryEngine if is_chat(spec) or is_text_api(spec) else ScoringDryEngine
                engine = kind(is_chat(spec), self.max_tokens)
                self._lms[spec] = dspy.LM(f"dry/{len(self._lms)}",
                                          model_type="chat" if is_chat(spec) else "text",
                                          max_tokens=self.max_tokens, cache=False,
                                          num_retries=0, engine=engine,
                                          async_engine=AsyncDryEngine(engine))
            return self._lms[spec]

    def usage(self) -> dict[str, Usage]:
        return {spec: lm.engine.usage for spec, lm in self._lms.items()}

    def reset_usage(self) -> None:
        for lm in self._lms.values():
            lm.engine.usage = Usage()

    def bill_shared_prompts_once(self) -> None:
        """From now until the next call, a prompt already sent is not billed again."""
        for lm in self._lms.values():
            lm.engine.billed = set()


def dry_program(config: ProgramConfig, lm: str, max_tokens: int) -> tuple[dspy.Module, DryPool]:
    """``config`` built on stand-ins for ``lm`` (the run's default) and every spec it names:
    the same prompts (and ``program_hash``) as the real program, and the same refusals (a
    scoring aggregator on a chat API raises ValueError here as it would for real)."""
    pool = DryPool(lm, max_tokens=max_tokens)
    return build_program(config, pool), pool


def rehearse(program: tuple[dspy.Module, DryPool], examples: list[Example], k: int,
             max_words: int, shared_once: bool = False) -> dict[str, Usage]:
    """Per LM spec, the calls and tokens per example of a ``dry_program`` over ``examples``
    (the first few of a run). ``shared_once``: identical prompts of an example go out as one
    request (``--batch-n``), so their prompt is billed once. No LM is called and nothing is
    written."""
    module, pool = program
    if not examples:
        return {}
    pool.reset_usage()  # a program may be rehearsed on several example sets
    with dspy.context(lm=pool.default, adapter=PlainTextAdapter(), callbacks=[]):
        for example in examples:
            if shared_once:
                pool.bill_shared_prompts_once()
            module(**program_inputs(example, k, max_words))
    usage = {spec: u.per_example(len(examples)) for spec, u in pool.usage().items()}
    return {spec: u for spec, u in usage.items() if u.calls}
