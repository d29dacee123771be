"""Turn a task-neutral signature into one task's prompt.

Signatures are written once with placeholders ({text_noun}, {writer_noun}, ...); the wording for
reviews, abstracts and posts comes from ``mopa.tasks``. Roles and plans are added the same way,
so every prompt variant is derived from one declared signature instead of being copied.
"""

from __future__ import annotations

import re

import dspy

from mopa.lm.adapter import ROLE_MARKER
from mopa.tasks import Task

# How each field is labelled in the prompt. DSPy would derive "Profile:" from the name; a base
# model continues far better after labels that read like the document they belong to.
LABELS = {
    "profile": "Past {short_noun}s by this {writer_noun}, most recent first:",
    "plan": "Aspects to focus on:",
    "drafts": "Candidate drafts:",
    "query": "The {writer_noun}'s new {short_noun}:",
    # The list opener makes a base model write a list instead of another record.
    "aspects": "3-6 aspects this {writer_noun} will write about (2-5 words each):\n-",
    "output": "{text_label}:",
}


def with_plan(signature: type[dspy.Signature]) -> type[dspy.Signature]:
    """The same signature, also conditioned on a personalization plan (placed after the profile)."""
    plan = dspy.InputField(
        desc="high-level plan: the aspects to focus on in the new {short_noun}"
    )
    return signature.insert(1, "plan", plan, type_=str)


def for_task(signature: type[dspy.Signature], task: Task,
             role: str | None = None) -> type[dspy.Signature]:
    """Fill the task's wording into the instructions and field descriptions; append a role."""
    words = task.wording()
    instructions = _fill(signature.instructions, words)
    if role:
        instructions += f"{ROLE_MARKER}{role}"
    out = signature.with_instructions(instructions)
    for name, field in signature.fields.items():
        updates = {}
        if field.json_schema_extra.get("desc"):
            updates["desc"] = _fill(field.json_schema_extra["desc"], words)
        if name in LABELS:
            updates["prefix"] = _fill(LABELS[name], words)
        out = out.with_updated_fields(name, **updates)
    return out


_LIST_ITEM = re.compile(r"^(\d+\.|-) ")


def _unwrap(paragraph: str) -> str:
    # Docstrings are wrapped for the source file; the prompt gets whole sentences, but numbered
    # policy items keep their own lines.
    lines: list[str] = []
    for raw in paragraph.splitlines():
        line = raw.strip()
        if not line:
            continue
        if lines and not _LIST_ITEM.match(line) and not lines[-1].endswith(":"):
            lines[-1] += " " + line
        else:
            lines.append(line)
    return "\n".join(lines)


def _fill(text: str, words: dict[str, str]) -> str:
    filled = "\n\n".join(p for p in map(_unwrap, text.split("\n\n")) if p)
    for key, value in words.items():
        filled = filled.replace("{" + key + "}", value)
    return filled
