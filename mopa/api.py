"""MoPA from Python: the few calls the command line is made of, for use in a notebook or script.

``import mopa`` stays light: these load on first use (``mopa.__getattr__``). The README's
"Python API" section is run verbatim by tests/test_api.py.

- ``configure(lm)``: DSPy's LM, and MoPA's adapter, which renders prompts as plain text for a
  base (text-completion) model and as DSPy's ChatAdapter does for a chat model, chosen per
  call by the LM it is handed. (Programs also fall back to it when no adapter is configured,
  see ``programs.calls.call_predictor``: a bare ``dspy.configure(lm=...)`` works as well.)
- ``load`` -> examples; ``build`` -> a DSPy module; ``inputs(example)`` -> its keyword
  arguments; ``score`` -> the registered metrics of one prediction (default: ROUGE-1,
  ROUGE-L, METEOR); ``metric`` and ``trainset``
  for DSPy optimizers; ``save``/``load_program`` a compiled program as ``mopa run
  --program-file`` reads it.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dspy

from mopa.data import Example
from mopa.lm.adapter import PlainTextAdapter
from mopa.lm.pool import LMPool
from mopa.program_files import load_program as load_file
from mopa.program_files import save_program
from mopa.program_inputs import program_inputs, to_dspy
from mopa.programs import build_program, make_config
from mopa.runs.settings import DataSettings
from mopa.scoring.dspy_metric import make_metric
from mopa.scoring.registry import parse_metrics
from mopa.scoring.run_scores import output_text


def configure(lm: Any = "embedded", *, temperature: float = 0.7, max_tokens: int = 256,
              api_base: str | None = None, **dspy_settings: Any) -> dspy.LM:
    """Make ``lm`` DSPy's LM, with the adapter that fits it; returns the LM.

    ``lm`` is a spec as ``--lm`` takes it ("embedded", "fake", "openai/gpt-4o",
    "text:openai/<model>" for a base model behind a completions endpoint, "spec@T" for a
    temperature) or a ``dspy.LM``. Other keywords go to ``dspy.configure``.
    """
    if isinstance(lm, str):
        lm = LMPool(lm, temperature, max_tokens, api_base).default
    elif not isinstance(lm, dspy.BaseLM):
        raise TypeError(f"lm must be an LM spec such as 'embedded' or 'openai/gpt-4o', or a "
                        f"dspy.LM; got {type(lm).__name__}")
    dspy.configure(lm=lm, adapter=PlainTextAdapter(), **dspy_settings)
    return lm


def load(source: str, limit: int | None = None, selection: str = "first",
         seed: int = 0, skip: int = 0) -> list[Example]:
    """Examples of a data source, as ``--data``/``--limit``/``--selection``/``--skip`` pick
    them."""
    return DataSettings(source, limit, selection, seed, skip).examples()


def build(preset: str = "rag-mopa", task: str = "product_review", **structure: Any) -> dspy.Module:
    """The DSPy module of a preset (``mopa run --program``), e.g. ``build("rag-mopa",
    agents=4, layers=1, aggregator="fusion")``; ``structure`` takes ``make_config``'s
    keywords (agents, layers, roles, proposer_lms, rag_agents and every program option). Its
    predictors use DSPy's configured LM."""
    return build_program(make_config(preset, task, **structure))


def inputs(example: Example, k: int = 4, max_words: int | None = 100) -> dict:
    """What a program is called with for ``example``: BM25's top-``k`` past texts, the query,
    the latest text and the user's usual length."""
    return program_inputs(example, k, max_words)


def score(prediction: Any, reference: str | Example, clean: bool = True,
          metrics: str | list[str] | None = None, lm: Any = None) -> dict[str, float]:
    """The registered ``metrics`` ("meteor,rougeL"; default: the default ones, ROUGE-1,
    ROUGE-L, METEOR and reader, or with a text reference those that read no profile) of one
    prediction (a string or a program's output), rule-cleaned first as ``mopa run`` scores it
    (``clean=False``: raw). ``reference`` is the user's real text, or their ``Example`` (which
    metrics that read the profile need); ``lm`` is the LM of metrics that score with one."""
    example = SimpleNamespace(output=reference, profile=None) if isinstance(reference, str) \
        else reference
    text = prediction if isinstance(prediction, str) else getattr(prediction, "output", "")
    text = output_text(text or "", clean)
    chosen = parse_metrics(metrics)
    if metrics is None and example.profile is None:
        chosen = [m for m in chosen if not m.uses_profile]
    for m in chosen:
        if m.uses_profile and example.profile is None:
            raise ValueError(f"metric {m.name!r} reads the user's profile: pass their Example "
                             "as the reference, not only its text")
    return {m.name: m.score_one(text, example, lm=lm) for m in chosen}


def metric(name: str = "meteor"):
    """A DSPy metric ``(example, prediction, trace=None) -> float`` for optimizers, for a
    registered metric (an unknown name lists them)."""
    return make_metric(name)


def trainset(examples: list[Example], k: int = 4,
             max_words: int | None = 100) -> list[dspy.Example]:
    """DSPy examples (a program's inputs and the gold ``output``) for optimizers."""
    return to_dspy(examples, k, max_words)


def save(program: dspy.Module, path: str | Path) -> Path:
    """Save a built (or compiled) program as the JSON ``mopa run --program-file`` runs."""
    return save_program(program, program.config, path)


def load_program(path: str | Path) -> dspy.Module:
    """A program saved by ``save`` or ``mopa compile``, its predictors on DSPy's LM."""
    return load_file(path)[1]
