"""The search space of ``mopa tune``, declared in one place.

``SearchSpace`` holds what may vary; its literal defaults are the whole space. ``space_from_flags``
narrows it from CLI strings (``--agents 1-3``, ``--aggregators consensus,fusion``; parsed and
checked per dimension in ``dimensions``), and ``suggest`` turns one Optuna trial into a
``ProgramConfig`` and the ``RunSettings`` it runs with.

Optuna parameters (names are stable, so studies resume and ``FixedTrial`` works). A dimension
narrowed to one value is still suggested, so every trial records the same parameters:
    preset                  always
    agents, layers          always
    rag_agents              mopa-ad and custom: how many of the agents are RAG (the rest plan)
    role_<i>                role-planner-mopa and custom: the role of slot i, for i < agents
    lm_<i>                  custom with --proposer-lms: the LM of slot i, for i < agents
    aggregator              always
    <setting it reads>      what the trial's aggregator declares as searched, in the order of
                            ``programs/aggregators/searched.py``: aggregator_temperature
                            (merge, unless the range is "none"), similarity (consensus,
                            fusion), target_factor (fusion, concat)
    refine                  layers > 1
    adaptive_depth          layers > 1: False is the threshold "none" (every layer runs)
    stop_similarity         layers > 1 and adaptive_depth
    user_length             always: False is the length factor "none" (--max-tokens)
    length_factor           user_length
    temperature, k, max_words   always (run settings)
Conditional parameters always have the same choices, so the space stays consistent for samplers
(``rag_agents`` is bounded by the trial's own ``agents``, a dynamic range Optuna accepts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from mopa.lm.pool import split_spec
from mopa.optimizers.dimensions import NUMBERS, check_pool, form, parse, pools, spell, valid
from mopa.optimizers.settings import SEARCHED_OPTIONS, SEARCHED_RUN
from mopa.programs import (
    AGGREGATORS,
    PRESETS,
    REFINES,
    ProgramConfig,
    ProgramOptions,
    layered_presets,
    make_config,
)
from mopa.programs.aggregators import SEARCHED, get_aggregator
from mopa.programs.aggregators.searched import AGGREGATOR_TEMPERATURE, SIMILARITY, TARGET_FACTOR
from mopa.runs.settings import RunSettings


def multi_lm_presets() -> tuple[str, ...]:
    return tuple(name for name in layered_presets() if PRESETS[name].multi_lm)


def _default_presets() -> tuple[str, ...]:
    return tuple(name for name in layered_presets() if not PRESETS[name].multi_lm)


@dataclass(frozen=True)
class SearchSpace:
    # The -md presets put different LMs on the proposers, so they join only with proposer_lms
    # (space_from_flags adds them when --proposer-lms is given and --presets is not).
    presets: tuple[str, ...] = field(default_factory=_default_presets)
    agents: tuple[int, int] = (1, 10)
    layers: tuple[int, int] = (1, 5)
    roles: tuple[str | None, ...] = ("content", "analysis", "usefulness", "style", None)
    proposer_lms: tuple[str, ...] = ()
    # Every registered aggregator, and the settings they declare as searched (one field each,
    # named by the declaration's ``space``).
    aggregators: tuple[str, ...] = field(default_factory=lambda: tuple(AGGREGATORS))
    aggregator_temperature: tuple[float, float] | None = AGGREGATOR_TEMPERATURE.default
    similarities: tuple[str, ...] = SIMILARITY.default
    target_factor: tuple[float, float] = TARGET_FACTOR.default
    refines: tuple[str, ...] = REFINES
    # A range, None ("none": every layer runs / max tokens from --max-tokens), or both.
    stop_similarity: tuple[tuple[float, float] | None, ...] = ((0.5, 0.95), None)
    length_factor: tuple[tuple[float, float] | None, ...] = ((1.0, 2.0), None)
    temperature: tuple[float, float] = (0.3, 1.0)
    k: tuple[int, int] = (2, 8)
    max_words: tuple[int, int] = (50, 150)

    def __post_init__(self):
        for name in pools():
            check_pool(getattr(self, name), name, getattr(self, name))
        for name in NUMBERS:
            if not valid(name, getattr(self, name)):
                raise ValueError(f"{form(name)}; got {spell(getattr(self, name))}")
        md = [p for p in self.presets if PRESETS[p].multi_lm]
        if md and not self.proposer_lms:
            raise ValueError(f"presets {', '.join(md)} put different LMs on the proposers: "
                             "give the LMs with --proposer-lms (e.g. fake,fake@0.2)")
        for spec in self.proposer_lms:
            split_spec(spec)  # raises on a malformed '@temperature' suffix

    def as_dict(self) -> dict[str, str]:
        """The space as its flags spell it (1-10, 1.0-2.0,none, merge,consensus): the study's
        MLflow params."""
        return {f.name: spell(getattr(self, f.name)) for f in fields(self)}


def space_from_flags(**flags) -> SearchSpace:
    """The default space narrowed by the flags given (``agents="1-3"``; None keeps the
    default); ``aggregator_temperature="none"`` leaves merge at its LM's temperature."""
    default = SearchSpace()
    unknown = sorted(set(flags) - {f.name for f in fields(SearchSpace)})
    if unknown:
        raise TypeError(f"space_from_flags: unknown dimension(s) {', '.join(unknown)}")
    narrowed = {name: parse(name, value) for name, value in flags.items() if value is not None}
    if "presets" not in narrowed and narrowed.get("proposer_lms"):
        narrowed["presets"] = default.presets + multi_lm_presets()
    return replace(default, **narrowed)


def refuse_searched(options: ProgramOptions, settings: RunSettings) -> None:
    """Tune takes the searched options and run settings from each trial, so a fixed value
    given for one would be silently overridden: refuse it, saying how to fix it instead."""
    given = [f"{name}={getattr(obj, name)!r}"
             for obj, names in ((options, SEARCHED_OPTIONS), (settings, SEARCHED_RUN))
             for name in names if getattr(obj, name) != getattr(type(obj)(), name)]
    if given:
        raise ValueError(f"tune searches {', '.join(given)}: fix it in the search space "
                         "instead, e.g. --temperature 0.5 or --aggregators consensus")


def suggest(trial, space: SearchSpace, task: str, options: ProgramOptions | None = None,
            settings: RunSettings | None = None) -> tuple[ProgramConfig, RunSettings]:
    """One program and the run settings it runs with, from an Optuna trial (or
    ``optuna.trial.FixedTrial``). ``options`` and ``settings`` hold what every trial shares;
    their searched fields are the trial's, or their defaults where the trial's other choices
    make them irrelevant."""
    options, settings = options or ProgramOptions(), settings or RunSettings()
    # Every parameter, in order, under the condition that makes it matter.
    preset = trial.suggest_categorical("preset", list(space.presets))
    agents = trial.suggest_int("agents", *space.agents)
    layers = trial.suggest_int("layers", *space.layers)
    row = PRESETS[preset]
    rag_agents = trial.suggest_int("rag_agents", 0, agents) if row.kind == "mix" else None
    roles = ([trial.suggest_categorical(f"role_{i}", list(space.roles)) for i in range(agents)]
             if row.searched_roles else None)
    proposer_lms = list(space.proposer_lms) if row.multi_lm else None  # the given LMs, cycled
    if row.searched_lms and space.proposer_lms:
        proposer_lms = [trial.suggest_categorical(f"lm_{i}", list(space.proposer_lms))
                        for i in range(agents)]
    program = {name: getattr(ProgramOptions(), name) for name in SEARCHED_OPTIONS}
    aggregator = trial.suggest_categorical("aggregator", list(space.aggregators))
    program["aggregator"] = aggregator
    reads = get_aggregator(aggregator).searched
    for param in SEARCHED:
        value = getattr(space, param.space)
        if param in reads and value is not None:
            program[param.name] = param.suggest(trial, value)
    if layers > 1:
        program["refine"] = trial.suggest_categorical("refine", list(space.refines))
        if trial.suggest_categorical("adaptive_depth", _switch(space.stop_similarity)):
            program["stop_similarity"] = trial.suggest_float("stop_similarity",
                                                             *_span(space.stop_similarity))
    if trial.suggest_categorical("user_length", _switch(space.length_factor)):
        program["length_factor"] = trial.suggest_float("length_factor",
                                                       *_span(space.length_factor))
    else:  # the switch off is the LM's fixed --max-tokens, whatever the default policy is
        program["length_factor"] = None
    run = {"temperature": trial.suggest_float("temperature", *space.temperature),
           "k": trial.suggest_int("k", *space.k),
           "max_words": trial.suggest_int("max_words", *space.max_words)}
    config = make_config(preset, task, agents, layers, roles, proposer_lms, rag_agents,
                         **asdict(replace(options, **program)))
    return config, replace(settings, **run)


def _switch(choices: tuple) -> list[bool]:
    """The on/off choices of a switched dimension: on if it has a range, off if "none"."""
    return [True] * any(c is not None for c in choices) + [False] * (None in choices)


def _span(choices: tuple) -> tuple[float, float]:
    return next(c for c in choices if c is not None)
