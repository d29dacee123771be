"""DSPy programs: RAG-Personalized, PlanPers, MoPA and its presets, and the copy-latest baseline."""

from mopa.programs.agents import KINDS, ROLES, Agent
from mopa.programs.copy_latest import CopyLatest
from mopa.programs.mopa import MoPA
from mopa.programs.planpers import PlanPers
from mopa.programs.presets import (
    PRESETS,
    TABLE_SYSTEMS,
    ProgramConfig,
    build_program,
    make_config,
)
from mopa.programs.rag import RAGPersonalized

__all__ = ["KINDS", "PRESETS", "ROLES", "TABLE_SYSTEMS", "Agent", "CopyLatest", "MoPA",
           "PlanPers", "ProgramConfig", "RAGPersonalized", "build_program", "make_config"]
