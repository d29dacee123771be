"""``mopa tune --dry-run``: what the trials would cost, from random draws of the search space.

A study's sampler picks each trial's program from the ones before it, so the trials to come
cannot be known without running them; random draws of the same space (seeded with
``--seed``) stand in for them, each estimated as a run (``mopa.costs.estimate``) on the trials'
examples. Nothing is opened or written: the draws come from an in-memory Optuna study.
"""

from __future__ import annotations

import optuna

from mopa.costs.estimate import Estimate, for_run
from mopa.optimizers.recovery import DEFAULT_TRIALS
from mopa.optimizers.search_space import SearchSpace, suggest
from mopa.programs import ProgramOptions
from mopa.runs.settings import RunSettings


def trial_estimates(space: SearchSpace, options: ProgramOptions, settings: RunSettings,
                    examples: list, trials: int, seed: int) -> list[Estimate]:
    """One estimate per trial to come, each a random draw of ``space``."""
    draws = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    estimates = []
    for number in range(trials):
        config, trial_settings = suggest(draws.ask(), space, examples[0].task, options, settings)
        estimates.append(for_run(config, examples, trial_settings,
                                 label=f"trial {number + 1} of {trials} (a random draw)"))
    return estimates


def planned_trials(trials: int | None, n_total: int | None) -> int:
    """The trials a dry run estimates: ``--trials`` (at most ``--n-total``), else
    ``--n-total`` (at most that many are still needed), else tune's default."""
    if n_total is not None:
        return n_total if trials is None else min(trials, n_total)
    return DEFAULT_TRIALS if trials is None else trials
