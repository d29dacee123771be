"""The settings of ``mopa compile``, ``tune`` and ``report`` that ``mopa.runs.settings`` does not
hold, as frozen dataclasses whose fields are their flags (see ``mopa.flags``).

Light on purpose (no DSPy, Optuna or MLflow): settings are data, checked when built, whatever
runs them.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass

from mopa.programs.aggregators import AGGREGATORS, SEARCHED
from mopa.programs.aggregators.searched import AGGREGATOR_TEMPERATURE, SIMILARITY, TARGET_FACTOR
from mopa.programs.config import REFINES
from mopa.scoring.registry import HEADLINE, metric_names
from mopa.settings import check, setting

OPTIMIZERS = ("bootstrap", "mipro", "copro", "gepa")
MIPRO_AUTO = ("light", "medium", "heavy")


@dataclass(frozen=True)
class SplitSettings:
    """``mopa compile``'s examples: train and val from ``--data`` (or ``--val-data``), and
    optionally test examples disjoint from both."""

    val_data: str | None = setting(None, "validation source (default: a disjoint part of "
                                   "--data)")
    train: int = setting(8, "training examples")
    val: int = setting(8, "validation examples")
    # Only the test stores depend on these (compile records them there), so changing them
    # does not re-score the validation examples.
    test: int | None = setting(None, "also score before/after on N seeded random examples of "
                               "--data (or of --test-data) disjoint from train and val",
                               recorded=False)
    test_data: str | None = setting(None, "test source (all of it, or --test N of it); ids in "
                                    "train or val are dropped", recorded=False)

    def __post_init__(self):
        check(self, [(self.train >= 1, "train", "an integer >= 1"),
                     (self.val >= 1, "val", "an integer >= 1"),
                     (self.test is None or self.test >= 1, "test", "N >= 1, or no --test")])


@dataclass(frozen=True)
class OptimizerSettings:
    optimizer: str = setting("bootstrap", "the DSPy optimizer", choices=OPTIMIZERS)
    # Metric names are checked when the settings are built, not listed in --help: listing them
    # would load every metric module for `mopa --help`.
    metric: str = setting(HEADLINE, "the registered metric it maximizes (an unknown name lists "
                          "them)")
    prompt_lm: str | None = setting(None, "LM proposing instructions (mipro, copro; default: "
                                    "--lm)")
    reflection_lm: str | None = setting(None, "LM reflecting on feedback (gepa; default: --lm)")
    max_demos: int = setting(2, "few-shot demos per predictor")
    gepa_calls: int = setting(60, "GEPA metric-call budget")
    copro_breadth: int = setting(3, "COPRO candidate instructions per round")
    copro_depth: int = setting(1, "COPRO rounds")
    mipro_auto: str = setting("light", "MIPROv2 search budget", choices=MIPRO_AUTO)

    def __post_init__(self):
        check(self, [(self.optimizer in OPTIMIZERS, "optimizer", " or ".join(OPTIMIZERS)),
                     (self.metric in metric_names(), "metric", " or ".join(metric_names())),
                     (self.max_demos >= 0, "max_demos", "an integer >= 0"),
                     (self.gepa_calls >= 1, "gepa_calls", "an integer >= 1"),
                     (self.copro_breadth >= 2, "copro_breadth", "an integer >= 2"),
                     (self.copro_depth >= 1, "copro_depth", "an integer >= 1"),
                     (self.mipro_auto in MIPRO_AUTO, "mipro_auto", " or ".join(MIPRO_AUTO))])


@dataclass(frozen=True)
class StudySettings:
    """Which Optuna study, where its trials' runs are, and its held-out test selection (shared
    by ``mopa tune`` and ``mopa report``)."""

    study: str = setting("mopa", "Optuna study name (rerun to resume it)")
    storage: str = setting("sqlite:///optuna.db", "Optuna storage: sqlite:///optuna.db, "
                           "postgresql://user:password@host/db (many workers), or a journal "
                           "file ending in .log")
    out: str = setting("runs/tune", "directory the study's runs go into: OUT/STUDY/trial-N, "
                       "and the report's baselines and tables in OUT/STUDY")
    test_limit: int | None = setting(None, "hold out N seeded random examples of --data, "
                                     "disjoint from every trial's, for `mopa report` (recorded "
                                     "in the study; default: the study's own, if any)")
    test_data: str | None = setting(None, "hold out this source's examples (all, or "
                                    "--test-limit of them); ids the trials use are dropped")

    def __post_init__(self):
        check(self, [(self.test_limit is None or self.test_limit >= 1, "test_limit",
                      "N >= 1, or no --test-limit")])


@dataclass(frozen=True)
class TuneSettings:
    trials: int | None = setting(None, "trials this process runs (default: 10, or with "
                                 "--n-total as many as the study still needs)")
    n_total: int | None = setting(None, "run trials until the study has N complete ones (all "
                                  "workers and reruns together): rerunning the same command "
                                  "then resumes to N instead of adding --trials more")
    metric: str = setting(HEADLINE, "the registered metric to optimize (maximized, or "
                          "minimized when lower is better)")
    objectives: str | None = setting(None, "several objectives, overriding --metric, e.g. "
                                     "meteor,lm_calls: registered metrics (each in its "
                                     "direction) and per-example costs (lm_calls, tokens, "
                                     "cost_usd, seconds; minimized); gives a Pareto front")
    timeout: float | None = setting(None, "stop starting trials after this many seconds")
    parent_timeout: float = setting(60.0, "seconds a joining worker waits for the study's "
                                    "MLflow parent run")

    def __post_init__(self):
        check(self, [(self.trials is None or self.trials >= 0, "trials", "an integer >= 0"),
                     (self.n_total is None or self.n_total >= 1, "n_total", "an integer >= 1"),
                     (self.timeout is None or self.timeout > 0, "timeout", "seconds > 0"),
                     (self.parent_timeout >= 0, "parent_timeout", "seconds >= 0")])


# What tune searches of the program options and the run settings. Their flags are SpaceFlags in
# tune (a pool or a range; one value fixes it), so tune's fixed ProgramOptions and RunSettings
# are built without them (``fixed``) and keep their defaults.
SEARCHED_OPTIONS = ("aggregator", *(p.name for p in SEARCHED), "refine", "stop_similarity",
                    "length_factor")
SEARCHED_RUN = ("temperature", "k", "max_words")


def fixed(values: argparse.Namespace | Mapping) -> dict:
    """Tune's parsed flags without the searched ones: what builds its fixed ProgramOptions and
    RunSettings (the searched flags share their names and hold ranges, not values)."""
    values = vars(values) if isinstance(values, argparse.Namespace) else values
    return {k: v for k, v in values.items() if k not in SEARCHED_OPTIONS + SEARCHED_RUN}


@dataclass(frozen=True)
class SpaceFlags:
    """What ``mopa tune`` searches, as given on the command line; ``search_space.
    space_from_flags`` checks them and narrows the default ``SearchSpace`` (None keeps it).
    Ranges keep the names of the other commands' flags (``--agents 4`` there, ``--agents 1-3``
    here; one value fixes it); pools of choices are plural (``--aggregators``)."""

    presets: str | None = setting(None, "comma-separated MoPA presets to search (default: all "
                                  "but the -md ones, which join when --proposer-lms is given)")
    agents: str | None = setting(None, "agents per layer: N or LOW-HIGH (default 1-10)")
    layers: str | None = setting(None, "layers: N or LOW-HIGH (default 1-5)")
    roles: str | None = setting(None, "role pool per agent slot: content,analysis,usefulness,"
                                "style,none")
    proposer_lms: str | None = setting(None, "LM specs for the -md presets and custom, e.g. "
                                       "fake,fake@0.2")
    aggregators: str | None = setting(None, "comma-separated aggregators to search (default: "
                                      "all of " + ",".join(AGGREGATORS) + ")")
    # The settings aggregators declare as searched (programs/aggregators/searched.py).
    aggregator_temperature: str | None = setting(None, AGGREGATOR_TEMPERATURE.flag_help)
    similarities: str | None = setting(None, SIMILARITY.flag_help)
    target_factor: str | None = setting(None, TARGET_FACTOR.flag_help)
    refines: str | None = setting(None, "refinement pool when layers > 1 (default: "
                                  + ",".join(REFINES) + ")")
    stop_similarity: str | None = setting(None, "adaptive depth threshold when layers > 1: S "
                                          "or LOW-HIGH in (0, 1], none (every layer runs), or "
                                          "a range and none (default 0.5-0.95,none)")
    length_factor: str | None = setting(None, "max tokens = F x the user's median length: F, "
                                        "LOW-HIGH, none (--max-tokens), or a range and none "
                                        "(default 1.0-2.0,none)")
    temperature: str | None = setting(None, "sampling temperature of every LM without its own "
                                      "(spec@T): T or LOW-HIGH (default 0.3-1.0)")
    k: str | None = setting(None, "BM25 top-k profile items: N or LOW-HIGH (default 2-8)")
    max_words: str | None = setting(None, "cut each profile item to N words: N or LOW-HIGH "
                                    "(default 50-150)")
