"""DSPy programs: RAG-Personalized, PlanPers, MoPA and its presets, and the copy-latest baseline.

Installed as ``mopa.programs`` (pyproject.toml maps the top-level ``programs/`` folder there).
"""

from mopa.programs.agents import KINDS, ROLES, Agent
from mopa.programs.build import build_program
from mopa.programs.config import AGGREGATORS, REFINES, ProgramConfig, comma_list, make_config
from mopa.programs.copy_latest import CopyLatest
from mopa.programs.mopa import MoPA
from mopa.programs.planpers import PlanPers
from mopa.programs.presets import PRESETS, Preset, get_preset, layered_presets, table_presets
from mopa.programs.rag import RAGPersonalized

__all__ = ["AGGREGATORS", "KINDS", "PRESETS", "REFINES", "ROLES", "Agent", "CopyLatest", "MoPA",
           "PlanPers", "Preset", "ProgramConfig", "RAGPersonalized", "build_program",
           "comma_list", "get_preset", "layered_presets", "make_config", "table_presets"]
