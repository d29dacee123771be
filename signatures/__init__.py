"""DSPy signatures: each docstring is the prompt, each field typed with a description.

Installed as ``mopa.signatures`` (pyproject.toml maps the top-level ``signatures/`` folder there).
"""

from mopa.signatures.aggregator import Aggregate
from mopa.signatures.judge import ComparePair, RateText, RateWithReference, judge_signature
from mopa.signatures.planner import Plan
from mopa.signatures.proposer import Propose, ProposeWithPlan
from mopa.signatures.refiner import Refine
from mopa.signatures.wording import for_task, with_plan

__all__ = ["Aggregate", "ComparePair", "Plan", "Propose", "ProposeWithPlan", "RateText",
           "RateWithReference", "Refine", "for_task", "judge_signature", "with_plan"]
