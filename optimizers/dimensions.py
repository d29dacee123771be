"""The dimensions of ``mopa tune``'s search space as values: the bounds each numeric one keeps,
the choices each pool allows, and how a flag's string (``1-3``, ``1.0-2.0,none``,
``consensus,fusion``) is parsed into a value, checked, and spelled back for error messages and
MLflow params. ``search_space`` holds the space itself and turns a trial into a program.
"""

from __future__ import annotations

from collections.abc import Sequence

from mopa.lm.pool import split_spec
from mopa.programs import AGGREGATORS, REFINES, layered_presets
from mopa.programs.agents import ROLES
from mopa.programs.aggregators import SEARCHED
from mopa.temperatures import HIGHEST

# The numeric dimensions: type, the bounds a range must keep (as a check and in words), and an
# example; length_factor and stop_similarity may also be "none" (the setting off), and so may
# an aggregator's setting that declares what "none" means.
NUMBERS = {
    "agents": (int, lambda lo, hi: 1 <= lo <= hi, "1 <= LOW <= HIGH", "1-3"),
    "layers": (int, lambda lo, hi: 1 <= lo <= hi, "1 <= LOW <= HIGH", "1-3"),
    **{p.space: (float, p.check, p.bounds, p.example) for p in SEARCHED if not p.choices},
    "stop_similarity": (float, lambda lo, hi: 0 < lo <= hi <= 1, "0 < LOW <= HIGH <= 1",
                        "0.5-0.95,none"),
    "length_factor": (float, lambda lo, hi: 0 < lo <= hi, "0 < LOW <= HIGH", "1.0-2.0,none"),
    "temperature": (float, lambda lo, hi: 0 <= lo <= hi <= HIGHEST, "0 <= LOW <= HIGH <= 2",
                    "0.3-1.0"),
    "k": (int, lambda lo, hi: 1 <= lo <= hi, "1 <= LOW <= HIGH", "2-8"),
    "max_words": (int, lambda lo, hi: 1 <= lo <= hi, "1 <= LOW <= HIGH", "50-150"),
}
_SWITCHED = ("length_factor", "stop_similarity")  # a range and/or None, suggested with a switch
_CAN_BE_OFF = tuple(p.space for p in SEARCHED if p.off)  # a range, or None alone


def pools() -> dict[str, tuple]:
    return {"presets": layered_presets(), "roles": (*ROLES, None),
            "aggregators": tuple(AGGREGATORS), "refines": REFINES,
            **{p.space: p.choices for p in SEARCHED if p.choices}}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def form(name: str) -> str:
    """What the flag of a numeric dimension takes, as error messages say it."""
    cast, _, bounds, example = NUMBERS[name]
    one = "N" if cast is int else "X"
    if name in _SWITCHED:
        return (f"{_flag(name)}: expected {one}, LOW-HIGH with {bounds}, none, or a range and "
                f"none (e.g. {example})")
    off = ", or none" if name in _CAN_BE_OFF else ""
    return f"{_flag(name)}: expected {one} or LOW-HIGH with {bounds}{off} (e.g. {example})"


def spell(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    if len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
        return f"{value[0]}-{value[1]}"
    return ",".join(spell(v) for v in value)


def check_pool(items: tuple, name: str, received) -> None:
    allowed = pools()[name]
    if not items or any(v not in allowed for v in items):
        raise ValueError(f"{_flag(name)}: expected comma-separated values from "
                         f"{', '.join(spell(a) for a in allowed)}; got {_show(received)}")


def valid(name: str, value) -> bool:
    """Whether a numeric dimension's range (or switched choices) keeps its bounds."""
    ok = NUMBERS[name][1]
    if name in _SWITCHED:
        spans = [c for c in value if c is not None]
        return 1 <= len(value) == len(set(value)) and len(spans) <= 1 and all(
            ok(*s) for s in spans)
    if value is None:
        return name in _CAN_BE_OFF
    return ok(*value)


def parse_pool(value: str | Sequence, name: str) -> tuple:
    """``"consensus,fusion"`` -> ("consensus", "fusion"), checked against the dimension's
    choices ("none" is None for roles)."""
    items = [None if v is None or v.lower() == "none" else v for v in _items(value)]
    check_pool(items, name, value)
    return tuple(dict.fromkeys(items))


def parse_range(value: str | float | Sequence[float], name: str) -> tuple:
    """N, "LOW-HIGH" or a (low, high) pair of a numeric dimension, checked: ``"1-3"`` -> (1, 3);
    ``"0.3"`` -> (0.3, 0.3), a dimension fixed to one value."""
    cast, ok, _, _ = NUMBERS[name]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low = high = cast(value)
    elif isinstance(value, str):
        low_text, _, high_text = value.strip().partition("-")
        try:
            low = cast(low_text)
            high = cast(high_text) if high_text else low
        except ValueError:
            raise ValueError(f"{form(name)}; got {value!r}") from None
    elif isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(v, int if cast is int else (int, float)) for v in value):
        low, high = cast(value[0]), cast(value[1])
    else:
        raise ValueError(f"{form(name)}; got {value!r}")
    if not ok(low, high) or (cast is int and isinstance(value, float)):
        raise ValueError(f"{form(name)}; got {_show(value)}")
    return low, high


def parse_switched(value: str, name: str) -> tuple[tuple[float, float] | None, ...]:
    """``"1.0-2.0,none"`` -> ((1.0, 2.0), None): the range, "none" (the setting off), or both."""
    choices = tuple(None if v.lower() == "none" else parse_range(v, name) for v in _items(value))
    if not valid(name, choices):
        raise ValueError(f"{form(name)}; got {value!r}")
    return choices


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


def parse(name: str, value):
    if name == "proposer_lms":
        return parse_lms(value)
    if name in _SWITCHED:
        return parse_switched(value, name)
    if name in _CAN_BE_OFF and str(value).strip().lower() == "none":
        return None
    if name in NUMBERS:
        return parse_range(value, name)
    return parse_pool(value, name)


def _items(value: str | Sequence) -> list:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


def _show(value: object) -> str:
    return repr(list(value)) if isinstance(value, (list, tuple)) else repr(value)
