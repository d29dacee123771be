"""The aggregator interface: ``aggregate(drafts, context) -> Aggregation``.

An aggregator is a class in its own module of this package, decorated with ``@register``. It
declares what it costs and needs, which ``ProgramConfig.lm_calls``, ``mopa tune`` and the
experiments read: the LM calls it adds per layer, whether it writes with the generating LM
(``--aggregator-lm``) or scores drafts with an LM's log-probabilities, and the settings a
search varies for it (``searched``). One that calls an LM through a predictor is a DSPy module
(``merge``), so optimizers and saved programs see its prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from mopa.programs.aggregators.searched import Searched

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool
    from mopa.programs.config import ProgramConfig
    from mopa.tasks import Task


@dataclass(frozen=True)
class Aggregation:
    """A layer's output; for an aggregator that picks a draft, which one and the scores
    behind the pick (one per draft, higher is better)."""

    output: str
    choice: int | None = None
    scores: tuple[float, ...] = ()

    def record(self) -> dict:
        """What the program keeps of it per layer."""
        if self.choice is None:
            return {"output": self.output}
        return {"output": self.output, "choice": {"chosen": self.choice + 1,
                                                  "scores": [round(s, 4) for s in self.scores]}}


def picked(drafts: Sequence[str], scores: Sequence[float]) -> Aggregation:
    """The best-scored draft; ties go to the earliest, so a pick is reproducible."""
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    return Aggregation(drafts[best], best, tuple(scores))


@dataclass(frozen=True)
class Context:
    """What an aggregator may read besides the drafts: the example and the program's config."""

    profile: str  # the user's retrieved past texts, as the proposers read them
    query: str
    config: ProgramConfig
    task: Task
    user_words: float | None = None  # the user's median past length, if known
    task_input: str | None = None  # the task sentence (rating, summary, title...), if given

    @property
    def target_words(self) -> float | None:
        """How long an extractive aggregation writes: ``target_factor`` x the user's median."""
        return None if self.user_words is None else self.user_words * self.config.target_factor

    def record(self, with_profile: bool = True) -> str:
        """The user's texts, then the new text's header and cue, as a base model reads them:
        what a draft is scored as the continuation of."""
        head = f"{self.profile}\n\n" if with_profile and self.profile else ""
        return f"{head}{self.query}\n{self.task.text_label}:"


class Aggregator:
    name: ClassVar[str]
    description: ClassVar[str] = ""
    lm_calls: ClassVar[int] = 0  # LM calls it adds per layer (scoring passes are counted apart)
    uses_lm: ClassVar[bool] = False  # writes with the generating LM (--aggregator-lm)
    scores_with_lm: ClassVar[bool] = False  # needs an --aggregator-lm giving log-probabilities
    searched: ClassVar[tuple[Searched, ...]] = ()  # the settings it reads that tune varies

    def __init__(self, config: ProgramConfig, lms: LMPool | None = None):
        """Built once per program; ``lms`` pins the aggregator's LM, as for predictors."""

    def aggregate(self, drafts: list[str], context: Context) -> Aggregation:
        raise NotImplementedError(f"{type(self).__name__} must define aggregate()")
