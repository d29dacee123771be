"""The base-model prompts (PlainTextAdapter's text path, which the embedded model reads) are
frozen: reordering chat prompts for prefix caching must not move a byte of them. The digest
was taken from the prompts before chat prompts were reordered."""

import hashlib

from mopa.lm import PlainTextAdapter
from mopa.programs.agents import ROLES
from mopa.signatures import Aggregate, Plan, Propose, Refine, for_task, with_plan
from mopa.tasks import TASKS

INPUTS = {"profile": "Rating: 5.0. Summary: Great.\nReview: Loved it.", "query": "Rating: 4.0.",
          "plan": "- tone\n- price", "drafts": "Draft 1: Fine.\n\nDraft 2: Good."}
TEXT_PROMPTS_SHA256 = "a443993776760d83d4d841bf415553556dc569290e65fd2cd983918df2ef0b4c"


def text_prompts() -> str:
    adapter = PlainTextAdapter()
    rendered = []
    for task in TASKS.values():
        for base in (Propose, Refine, Plan, Aggregate):
            for signature in (base, with_plan(base)):
                for role in (None, *ROLES.values()):
                    sig = for_task(signature, task, role=role)
                    inputs = {k: v for k, v in INPUTS.items() if k in sig.input_fields}
                    prompt = adapter.format_prompt(sig, [], inputs)
                    names = list(sig.output_fields)
                    rendered.append(adapter._cue(prompt, sig, names[0]))
    return "\n\x00\n".join(rendered)


def test_the_base_model_prompts_are_unchanged():
    digest = hashlib.sha256(text_prompts().encode("utf-8")).hexdigest()
    assert digest == TEXT_PROMPTS_SHA256
