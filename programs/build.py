"""``build_program``: a ``ProgramConfig`` turned into its DSPy module, LMs bound."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dspy

from mopa.programs.config import ProgramConfig
from mopa.programs.copy_latest import CopyLatest
from mopa.programs.mopa import MoPA
from mopa.programs.planpers import PlanPers
from mopa.programs.presets import get_preset
from mopa.programs.rag import RAGPersonalized

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool

PROGRAMS = {"copy-latest": CopyLatest, "rag": RAGPersonalized, "planpers": PlanPers,
            "mopa": MoPA}


def build_program(config: ProgramConfig, lms: LMPool | None = None) -> dspy.Module:
    """The DSPy module for ``config``. With ``lms``, each predictor whose config names an LM is
    pinned to that LM of the pool; the others (all of them without a pool, as in tests and the
    Python API) use the LM of ``dspy.context``."""
    return PROGRAMS[get_preset(config.preset).program](config, lms=lms)
