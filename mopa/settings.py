"""Settings declared once, as dataclass fields that also name their command-line flags.

A field declared with ``setting(default, help, ...)`` is a setting: ``mopa.flags`` makes it the
flag ``--field-name`` (``flag=`` renames it, and the flag's dest follows), and a field whose type
is itself a settings dataclass (``ProgramChoice.options``) adds its fields to the same group.
Every layer declares its settings here, below the command line that parses them.

``from_args`` builds the dataclass back from parsed flags (or from a manifest keyed the same
way), so its ``__post_init__`` checks every value before a command writes anything;
``recorded`` gives the values a run manifest keeps and ``to_argv`` the flags that set them.
"""

from __future__ import annotations

import argparse
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, Field, field, fields, is_dataclass


def setting(default=MISSING, help: str = "", *, flag: str | None = None,
            choices: tuple | None = None, recorded: bool = True,
            default_factory=MISSING) -> Field:
    """A dataclass field that is also a flag. ``recorded=False`` marks a setting that changes
    no output (workers, a progress bar): run manifests leave it out, so it may differ on resume."""
    return field(default=default, default_factory=default_factory,
                 metadata={"help": help, "flag": flag, "choices": choices, "recorded": recorded})


def check(settings, rules: list[tuple[bool, str, str]]) -> None:
    """Raise on the first broken rule (ok, field, what is expected), naming the flag, the value
    received and what to pass instead, in one line."""
    for ok, name, expected in rules:
        if not ok:
            flag = "--" + name.replace("_", "-")
            raise ValueError(f"{flag} {getattr(settings, name)!r}: expected {expected}")


def from_args(cls: type, values: argparse.Namespace | Mapping):
    """An instance of ``cls`` from parsed flags, or from a mapping keyed by flag dest (as
    ``recorded`` writes them); fields absent there (excluded flags) keep their defaults."""
    if isinstance(values, argparse.Namespace):
        values = vars(values)
    kwargs = {}
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        kind = unoptional(hints[f.name])
        if is_dataclass(kind):
            kwargs[f.name] = from_args(kind, values)
        elif dest_name(f) in values:
            kwargs[f.name] = values[dest_name(f)]
    return cls(**kwargs)


def recorded(settings, exclude: tuple[str, ...] = ()) -> dict:
    """The values of ``settings`` that can change an output, keyed by flag dest (nested
    settings flattened), minus the fields named in ``exclude``: what manifests record."""
    values = {}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if is_dataclass(value):
            values.update(recorded(value, exclude))
        elif f.metadata.get("recorded", True) and f.name not in exclude:
            values[dest_name(f)] = value
    return values


def to_argv(cls: type, values: Mapping, exclude: tuple[str, ...] = ()) -> list[str]:
    """The flags that set ``values`` (keyed as ``recorded`` gives them), in field order.
    ``None`` is left out: it is the default of every flag that may be unset."""
    argv = []
    for f, _ in leaves(cls):
        value = values.get(dest_name(f))
        if f.name in exclude or dest_name(f) not in values or (
                value is None and default_value(f) is None):
            continue
        if value is None:  # a number setting turned off (see NoneOr)
            argv += [flag_name(f), "none"]
        elif isinstance(value, bool):
            argv.append(flag_name(f) if value else "--no-" + flag_name(f).removeprefix("--"))
        else:
            argv += [flag_name(f), str(value)]
    return argv


def leaves(cls: type) -> Iterator[tuple[Field, type]]:
    """Every flag-level field of ``cls`` with its argparse type, nested settings expanded."""
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        kind = unoptional(hints[f.name])
        if is_dataclass(kind):
            yield from leaves(kind)
        elif kind is not hints[f.name] and kind in (int, float) and default_value(f) is not None:
            yield f, NoneOr(kind)
        else:
            yield f, kind


class NoneOr:
    """The flag type of a number setting that is on by default and may be turned off:
    ``--length-factor none`` gives None, anything else is the number."""

    def __init__(self, kind: type):
        self.kind = kind
        self.__name__ = f"{kind.__name__} or none"  # what argparse's error names

    def __call__(self, text: str):
        return None if text.strip().lower() == "none" else self.kind(text)


def unoptional(annotation) -> type:
    """``float | None`` -> ``float``; other annotations unchanged."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return annotation


def flag_name(f: Field) -> str:
    return f.metadata.get("flag") or "--" + f.name.replace("_", "-")


def dest_name(f: Field) -> str:
    return flag_name(f).removeprefix("--").replace("-", "_")


def default_value(f: Field):
    if f.default_factory is not MISSING:
        return f.default_factory()
    return f.default
