"""The structure search space of ``mopa tune``, declared in one place.

``SearchSpace`` holds what may vary; its literal defaults are the whole space. ``space_from_flags``
narrows it from CLI strings (``--agents 1-3``), and ``suggest`` turns one Optuna trial into a
``ProgramConfig``.

Optuna parameters (names are stable, so studies resume and ``FixedTrial`` works):
    preset                  always
    agents, layers          always
    rag_agents              mopa-ad and custom: how many of the agents are RAG (the rest plan)
    role_<i>                role-planner-mopa and custom: the role of slot i, for i < agents
    lm_<i>                  custom with --proposer-lms: the LM of slot i, for i < agents
    aggregator_temperature  unless the range is "none"
Conditional parameters always have the same choices, so the space stays consistent for samplers
(``rag_agents`` is bounded by the trial's own ``agents``, a dynamic range Optuna accepts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

from mopa.lm.pool import split_spec
from mopa.programs import PRESETS, ProgramConfig, ProgramOptions, layered_presets, make_config
from mopa.programs.agents import ROLES


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
    aggregator_temperature: tuple[float, float] | None = (0.0, 1.0)  # None: not tuned

    def __post_init__(self):
        unknown = [p for p in self.presets if p not in layered_presets()]
        if not self.presets or unknown:
            raise ValueError("presets must be MoPA presets from: "
                             f"{', '.join(layered_presets())}; got {list(self.presets)}")
        for name in ("agents", "layers"):
            lo, hi = getattr(self, name)
            if not 1 <= lo <= hi:
                raise ValueError(f"{name} range must satisfy 1 <= low <= high, got {lo}-{hi}")
        bad_roles = [r for r in self.roles if r is not None and r not in ROLES]
        if not self.roles or bad_roles:
            raise ValueError(f"roles must be among {', '.join(ROLES)} or none; got "
                             f"{list(self.roles)}")
        md = [p for p in self.presets if PRESETS[p].multi_lm]
        if md and not self.proposer_lms:
            raise ValueError(f"presets {', '.join(md)} put different LMs on the proposers: "
                             "give the LMs with --proposer-lms (e.g. fake,fake@0.2)")
        for spec in self.proposer_lms:
            split_spec(spec)  # raises on a malformed '@temperature' suffix
        if self.aggregator_temperature is not None:
            lo, hi = self.aggregator_temperature
            if not 0.0 <= lo <= hi:
                raise ValueError("aggregator temperature range must satisfy 0 <= low <= high, "
                                 f"got {lo}-{hi}")

    def as_dict(self) -> dict:
        return asdict(self)


def parse_presets(value: str | Sequence[str]) -> tuple[str, ...]:
    items = _items(value)
    unknown = [p for p in items if p not in layered_presets()]
    if not items or unknown:
        raise ValueError(f"--presets: expected comma-separated MoPA presets from "
                         f"{', '.join(layered_presets())}; got {_show(value)}")
    return tuple(dict.fromkeys(items))


def _parse_range(value, cast: type, minimum: float, form: str) -> tuple:
    """N, "LOW-HIGH" or a (low, high) pair, cast and checked against ``minimum``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low = high = cast(value)
    elif isinstance(value, str):
        low_text, _, high_text = value.strip().partition("-")
        try:
            low = cast(low_text)
            high = cast(high_text) if high_text else low
        except ValueError:
            raise ValueError(f"{form}; got {value!r}") from None
    elif isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(v, int if cast is int else (int, float)) for v in value):
        low, high = cast(value[0]), cast(value[1])
    else:
        raise ValueError(f"{form}; got {value!r}")
    if not minimum <= low <= high or (cast is int and isinstance(value, float)):
        raise ValueError(f"{form}; got {_show(value)}")
    return low, high


def parse_int_range(value: str | int | Sequence[int], flag: str) -> tuple[int, int]:
    """``"3"`` -> (3, 3); ``"1-3"`` -> (1, 3); a (low, high) pair passes through."""
    form = f"{flag}: expected N or LOW-HIGH with 1 <= LOW <= HIGH (e.g. 1-3)"
    return _parse_range(value, int, 1, form)


def parse_float_range(value: str | float | Sequence[float],
                      flag: str) -> tuple[float, float] | None:
    """``"0.0-1.0"`` -> (0.0, 1.0); ``"0.3"`` -> (0.3, 0.3); ``"none"`` -> None (not tuned)."""
    form = f"{flag}: expected T, LOW-HIGH with 0 <= LOW <= HIGH (e.g. 0.0-1.0), or none"
    if isinstance(value, str) and value.strip().lower() == "none":
        return None
    return _parse_range(value, float, 0.0, form)


def parse_roles(value: str | Sequence[str | None]) -> tuple[str | None, ...]:
    items = [None if v is None or v.lower() == "none" else v for v in _items(value)]
    unknown = [r for r in items if r is not None and r not in ROLES]
    if not items or unknown:
        raise ValueError(f"--roles: expected comma-separated roles from "
                         f"{', '.join(ROLES)}, none; got {_show(value)}")
    return tuple(dict.fromkeys(items))


def parse_lms(value: str | Sequence[str]) -> tuple[str, ...]:
    items = _items(value)
    if not items:
        raise ValueError("--proposer-lms: expected comma-separated LM specs such as "
                         f"fake,fake@0.2 or embedded,openai/gpt-4o; got {_show(value)}")
    for spec in items:
        try:
            split_spec(spec)
        except ValueError as e:
            raise ValueError(f"--proposer-lms: {e}") from None
    return tuple(dict.fromkeys(items))


def space_from_flags(presets=None, agents=None, layers=None, roles=None, proposer_lms=None,
                     aggregator_temperature=None) -> SearchSpace:
    """The default space narrowed by whichever flags were given (None = keep the default).

    ``aggregator_temperature="none"`` leaves the aggregator temperature untuned.
    """
    default = SearchSpace()
    lms = parse_lms(proposer_lms) if proposer_lms is not None else default.proposer_lms
    if presets is not None:
        chosen = parse_presets(presets)
    else:
        chosen = default.presets + (multi_lm_presets() if lms else ())
    temperature = (default.aggregator_temperature if aggregator_temperature is None
                   else parse_float_range(aggregator_temperature, "--aggregator-temperature"))
    return SearchSpace(
        presets=chosen,
        agents=parse_int_range(agents, "--agents") if agents is not None else default.agents,
        layers=parse_int_range(layers, "--layers") if layers is not None else default.layers,
        roles=parse_roles(roles) if roles is not None else default.roles,
        proposer_lms=lms,
        aggregator_temperature=temperature,
    )


def suggest(trial, space: SearchSpace, task: str,
            options: ProgramOptions | None = None) -> ProgramConfig:
    """One program structure from an Optuna trial (or ``optuna.trial.FixedTrial``), with the
    program ``options`` every trial shares (the aggregator temperature, when searched, is the
    trial's)."""
    options = options or ProgramOptions()
    preset = trial.suggest_categorical("preset", list(space.presets))
    agents = trial.suggest_int("agents", *space.agents)
    layers = trial.suggest_int("layers", *space.layers)
    row = PRESETS[preset]
    rag_agents = trial.suggest_int("rag_agents", 0, agents) if row.kind == "mix" else None
    roles = None
    if row.searched_roles:
        roles = [trial.suggest_categorical(f"role_{i}", list(space.roles)) for i in range(agents)]
    proposer_lms = None
    if row.multi_lm:
        proposer_lms = list(space.proposer_lms)  # the preset's design: the given LMs, cycled
    elif row.searched_lms and space.proposer_lms:
        proposer_lms = [trial.suggest_categorical(f"lm_{i}", list(space.proposer_lms))
                        for i in range(agents)]
    temperature = options.aggregator_temperature
    if space.aggregator_temperature is not None:
        temperature = trial.suggest_float("aggregator_temperature", *space.aggregator_temperature)
    return make_config(preset, task, agents, layers, roles, proposer_lms, rag_agents,
                       **asdict(replace(options, aggregator_temperature=temperature)))


def _items(value: str | Sequence) -> list:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


def _show(value: object) -> str:
    return repr(list(value)) if isinstance(value, (list, tuple)) else repr(value)
