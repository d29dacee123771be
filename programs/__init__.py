"""DSPy programs: RAG-Personalized, PlanPers, MoPA and its presets, and the copy-latest baseline.

Installed as ``mopa.programs`` (pyproject.toml maps the top-level ``programs/`` folder there).

The modules and ``build_program`` import DSPy, so they load on first use: the command line
reads the presets and ``ProgramConfig``'s fields to declare its flags without paying for DSPy.
"""

from importlib import import_module

from mopa.programs.agents import KINDS, ROLES, Agent
from mopa.programs.config import (
    AGGREGATORS,
    REFINES,
    ProgramChoice,
    ProgramConfig,
    ProgramOptions,
    comma_list,
    make_config,
)
from mopa.programs.presets import PRESETS, Preset, get_preset, layered_presets, table_presets

_LAZY = {"build_program": "build", "CopyLatest": "copy_latest", "MoPA": "mopa",
         "PlanPers": "planpers", "RAGPersonalized": "rag"}

__all__ = ["AGGREGATORS", "KINDS", "PRESETS", "REFINES", "ROLES", "Agent", "CopyLatest", "MoPA",
           "PlanPers", "Preset", "ProgramChoice", "ProgramConfig", "ProgramOptions",
           "RAGPersonalized", "build_program", "comma_list", "get_preset", "layered_presets",
           "make_config", "table_presets"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f"mopa.programs.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
