"""DSPy programs: RAG-Personalized, PlanPers, MoPA and its presets, and the copy-latest baseline."""

from mopa.programs.agents import KINDS, ROLES, Agent
from mopa.programs.copy_latest import CopyLatest
from mopa.programs.mopa import MoPA
from mopa.programs.planpers import PlanPers
from mopa.programs.presets import (
    PRESETS,
    Preset,
    ProgramConfig,
    build_program,
    layered_presets,
    make_config,
    table_presets,
)
from mopa.programs.rag import RAGPersonalized

__all__ = ["KINDS", "PRESETS", "ROLES", "Agent", "CopyLatest", "MoPA", "PlanPers", "Preset",
           "ProgramConfig", "RAGPersonalized", "build_program", "layered_presets", "make_config",
           "table_presets"]
