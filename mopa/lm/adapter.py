"""One DSPy adapter for base (text-completion) and chat models alike.

DSPy's `Predict` calls its adapter once per request with the LM it is about to use, so the
adapter can choose the rendering by the LM: a base model (`lm.model_type == "text"`, such as
the embedded Gemma-3-270M) cannot follow ChatAdapter's `[[ ## field ## ]]` protocol, but it
continues a plain document well. Chat models get DSPy's ChatAdapter unchanged. Base and chat
LMs can therefore be mixed inside one program under a single `dspy.configure(adapter=...)`.

Base-model prompt layout (input blocks separated by blank lines):

    <instructions: the signature docstring>

    <demo 1: each input field as "<prefix>\n<value>", then "<output prefix> <value>">

    ---

    <each input field as "<prefix>\n<value>">
    <first output field's prefix>

The output cue continues the last input's block on the next line, like the past texts in the
prompt read ("Rating: 5.0. Summary: ...\nReview: ..."), and the model writes the value on
the cue's line; it is stopped at the first blank line. The continuation, stripped, is the
field's value, even if short or empty (kept, never an error). A signature with several output
fields gets one call per output field, in order, each parsed value appended to the prompt.
Prefixes come from each field's `prefix` (DSPy derives "Past Reviews:" from `past_reviews`
unless the signature sets one; `mopa.signatures.wording` sets task-specific ones).

Chat prompts put what a layer's agents share first and what differs last, so that a server's
prefix cache (vLLM/SGLang ``--enable-prefix-caching``, OpenAI's prompt caching) serves the
shared part once: the role leaves the instructions (the system message) for an input field of
its own, and the role and the plan come after the profile and the query (see
``shared_first``). Base-model prompts keep their order.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import textwrap
from typing import Any

import pydantic
from dspy.adapters.chat_adapter import ChatAdapter
from dspy.adapters.utils import apply_output_field_defaults, parse_value
from dspy.clients.base_lm import BaseLM
from dspy.signatures.field import InputField
from dspy.signatures.signature import Signature
from dspy.utils.exceptions import AdapterParseError

DEFAULT_STOP = ("\n\n",)
EXAMPLE_SEPARATOR = "---"
# How mopa.signatures.wording.for_task appends an agent's role to the instructions.
ROLE_MARKER = "\n\nYour role: "
# Inputs that differ between a layer's agents (besides the role): last in chat prompts.
PER_AGENT_INPUTS = ("plan",)
ROLE_FIELD = "role"


def is_text_model(lm: Any) -> bool:
    return getattr(lm, "model_type", None) == "text"


def field_prefix(name: str, field: Any) -> str:
    extra = field.json_schema_extra or {}
    return extra.get("prefix") or f"{name.replace('_', ' ').capitalize()}:"


def format_value(value: Any) -> str:
    """Render any input value as plain text a base model reads naturally."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, pydantic.BaseModel):
        value = value.model_dump()
    if isinstance(value, dict):
        return "\n".join(f"{key}: {_inline(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return "\n".join(f"{i}. {_inline(item)}" for i, item in enumerate(value, 1))
    return str(value)


def _inline(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, pydantic.BaseModel):
        value = value.model_dump()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


class PlainTextAdapter(ChatAdapter):
    """Plain completion prompts for base models; DSPy's ChatAdapter for every other LM.

    stop: where a base model's continuation ends (default: a blank line). A `stop` passed in
    the call's config overrides it.
    """

    def __init__(self, stop: tuple[str, ...] | list[str] = DEFAULT_STOP, **chat_adapter_kwargs):
        super().__init__(**chat_adapter_kwargs)
        self.stop = tuple(stop)

    def __call__(self, lm: BaseLM, lm_kwargs: dict[str, Any], signature: type[Signature],
                 demos: list[dict[str, Any]], inputs: dict[str, Any]) -> list[dict[str, Any]]:
        if not is_text_model(lm):
            return super().__call__(lm, lm_kwargs, signature, demos, inputs)
        return self._complete(lm, lm_kwargs, signature, demos, inputs)

    async def acall(self, lm: BaseLM, lm_kwargs: dict[str, Any], signature: type[Signature],
                    demos: list[dict[str, Any]], inputs: dict[str, Any]) -> list[dict[str, Any]]:
        if not is_text_model(lm):
            return await super().acall(lm, lm_kwargs, signature, demos, inputs)
        # Text calls are sequential per field; a worker thread (which inherits DSPy's context
        # variables) keeps the event loop free without a second copy of that logic.
        return await asyncio.to_thread(self._complete, lm, lm_kwargs, signature, demos, inputs)

    def format(self, signature: type[Signature], demos: list[dict[str, Any]],
               inputs: dict[str, Any]) -> list[dict[str, Any]]:
        """Chat messages, shared inputs first (only chat LMs come here: base models get
        ``format_prompt``)."""
        return super().format(*shared_first(signature, demos, inputs))

    def _complete(self, lm, lm_kwargs, signature, demos, inputs) -> list[dict[str, Any]]:
        prompt = self.format_prompt(signature, demos, inputs)
        kwargs = self._call_kwargs(lm_kwargs)
        record = record_stop(signature, inputs)
        if record and record not in kwargs["stop"]:
            kwargs["stop"].append(record)
        names = list(signature.output_fields)
        # The first output field is sampled n times in one call; later fields continue each
        # candidate separately (their prompts differ, so DSPy's cache keeps them apart).
        # A plain prompt string is DSPy's supported convenience call (no deprecated messages=).
        texts = lm(self._cue(prompt, signature, names[0]), **kwargs)
        candidates = [{names[0]: self.parse_continuation(signature, names[0], _text(t))}
                      for t in texts]
        for name in names[1:]:
            for values in candidates:
                cue = self._cue(self._extend(prompt, signature, values), signature, name)
                (text,) = lm(cue, **{**kwargs, "n": 1})
                values[name] = self.parse_continuation(signature, name, _text(text))
        return [apply_output_field_defaults(signature, v) for v in candidates]

    def _call_kwargs(self, lm_kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs = dict(lm_kwargs)
        # Native tools and response formats are chat features a base model has no use for.
        for key in ("tools", "tool_choice", "parallel_tool_calls", "response_format"):
            kwargs.pop(key, None)
        kwargs["stop"] = list(kwargs.get("stop") or self.stop)
        return kwargs

    def format_prompt(self, signature: type[Signature], demos: list[Any],
                      inputs: dict[str, Any]) -> str:
        """The prompt up to (not including) the first output field's cue."""
        instructions = textwrap.dedent(signature.instructions or "").strip()
        blocks = [instructions] if instructions else []
        for demo in demos:
            rendered = self._format_demo(signature, demo)
            if rendered:
                blocks.append(f"{rendered}\n\n{EXAMPLE_SEPARATOR}")
        task = self._fields(signature.input_fields, inputs)
        if task:
            blocks.append(task)
        return "\n\n".join(blocks)

    def _format_demo(self, signature: type[Signature], demo: Any) -> str:
        # Like ChatAdapter, a demo needs at least one input and one output to teach anything.
        present = {name for name in signature.fields if _get(demo, name) is not None}
        if not (present & set(signature.input_fields) and present & set(signature.output_fields)):
            return ""
        return self._inline(self._fields(signature.input_fields, demo), signature.output_fields,
                            demo)

    def _fields(self, fields: dict[str, Any], values: Any) -> str:
        return "\n\n".join(f"{field_prefix(name, field)}\n{format_value(_get(values, name))}"
                           for name, field in fields.items() if _get(values, name) is not None)

    def _inline(self, prompt: str, fields: dict[str, Any], values: Any) -> str:
        """Outputs continue the last input's block on their own lines, ``<prefix> <value>``, the
        way a document of past texts reads (``Rating: 5.0. Summary: ...`` / ``Review: ...``)."""
        lines = [f"{field_prefix(name, field)} {format_value(_get(values, name))}"
                 for name, field in fields.items() if _get(values, name) is not None]
        return "\n".join(part for part in (prompt, *lines) if part)

    def _extend(self, prompt: str, signature: type[Signature], values: dict[str, Any]) -> str:
        done = {name: signature.output_fields[name] for name in values}
        return self._inline(prompt, done, values)

    def _cue(self, prompt: str, signature: type[Signature], name: str) -> str:
        # No newline after the cue: the model writes the value on the cue's line, as the past
        # texts in the prompt do; a trailing newline invites it to start a new record instead.
        cue = field_prefix(name, signature.output_fields[name])
        return f"{prompt}\n{cue}" if prompt else cue

    def parse_continuation(self, signature: type[Signature], name: str, text: str) -> Any:
        """The model's continuation → the value of output field `name`.

        The text is cut where the model starts another field or example on its own line (a
        base model that ignores the stop string tends to write the next example), then
        stripped. A prefix that ends on a line of its own (``"Aspects:\n-"``) opens the value
        for the model, so that opening belongs to the value. Non-str fields are parsed like
        DSPy does (`parse_value`).
        """
        prefix = field_prefix(name, signature.output_fields[name])
        if "\n" in prefix:
            text = prefix.rsplit("\n", 1)[1] + text
        markers = [field_prefix(n, f) for n, f in signature.fields.items()] + [EXAMPLE_SEPARATOR]
        lines = text.split("\n")
        for i, line in enumerate(lines[1:], 1):
            if any(line.strip().startswith(marker) for marker in markers):
                lines = lines[:i]
                break
        value = "\n".join(lines).strip()
        annotation = signature.output_fields[name].annotation
        if annotation is str:
            return value
        try:
            return parse_value(value, annotation)
        except (ValueError, pydantic.ValidationError) as exc:
            raise AdapterParseError(
                adapter_name=type(self).__name__, signature=signature, lm_response=text,
                message=f"could not parse output field {name!r} as {annotation} from the base "
                        f"model's continuation {value[:200]!r}: {exc}") from exc


def shared_first(signature: type[Signature], demos: list[Any], inputs: dict[str, Any]
                 ) -> tuple[type[Signature], list[Any], dict[str, Any]]:
    """The signature, demos and inputs of a chat call with what agents share first: the role
    (``ROLE_MARKER`` in the instructions) becomes the last input, after ``PER_AGENT_INPUTS``,
    which follow every other input. A signature with neither is returned as it is."""
    instructions = signature.instructions or ""
    _, marker, role = instructions.partition(ROLE_MARKER)
    if not marker and not set(PER_AGENT_INPUTS) & set(signature.input_fields):
        return signature, demos, inputs
    chat = _shared_first_signature(signature)
    if not marker:
        return chat, demos, inputs
    demos = [_with_role(demo, role) for demo in demos]
    return chat, demos, {**inputs, ROLE_FIELD: role}


@functools.lru_cache(maxsize=512)
def _shared_first_signature(signature: type[Signature]) -> type[Signature]:
    base, marker, _ = (signature.instructions or "").partition(ROLE_MARKER)
    inputs = list(signature.input_fields.items())
    order = ([(n, f) for n, f in inputs if n not in PER_AGENT_INPUTS]
             + [(n, f) for n, f in inputs if n in PER_AGENT_INPUTS])
    fields = {name: (f.annotation, f) for name, f in order}
    if marker:
        fields[ROLE_FIELD] = (str, InputField(desc="the part you play among the assistants "
                                                   "writing this text"))
    fields.update((name, (f.annotation, f)) for name, f in signature.output_fields.items())
    return Signature(fields, base)


def _with_role(demo: Any, role: str) -> Any:
    if isinstance(demo, dict):
        return {**demo, ROLE_FIELD: role}
    return demo.copy(**{ROLE_FIELD: role})


_RECORD_LABEL = re.compile(r"^([A-Z][A-Za-z ]{0,24}):")


def record_stop(signature: type[Signature], inputs: dict[str, Any]) -> str | None:
    """``"\nRating:"`` when the last input (the new record's header) starts ``Rating: ...``.

    The output continues that record; a model that begins a line the way the header began is
    starting another record, so generation stops there.
    """
    names = list(signature.input_fields)
    value = _get(inputs, names[-1]) if names else None
    match = _RECORD_LABEL.match(value.strip()) if isinstance(value, str) else None
    return f"\n{match.group(1)}:" if match else None


def _get(values: Any, name: str) -> Any:
    # Demos arrive as dicts or dspy.Example objects (both have .get); anything else by attribute.
    getter = getattr(values, "get", None)
    return getter(name) if callable(getter) else getattr(values, name, None)


def _text(output: Any) -> str:
    if isinstance(output, dict):
        return output.get("text") or ""
    return output or ""
