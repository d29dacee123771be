"""Command-line flags generated from settings dataclasses, so that each setting is declared once.

A field declared with ``setting(default, help, ...)`` becomes ``--field-name``: its type comes
from the annotation (``X | None`` too), a bool becomes ``--x/--no-x``, help and choices come from
the field. ``flag=`` renames it, and the argparse dest follows the flag, so two classes may hold
fields of one name with different meanings (``RunSettings.lm`` is ``--lm``, the program's
``ProgramConfig.lm`` is ``--proposer-lm``). A field whose type is itself a settings dataclass
(``ProgramChoice.options``) adds its flags to the same group.

``from_args`` builds the dataclass back from parsed flags (or from a manifest keyed the same
way), so its ``__post_init__`` checks every value before a command writes anything;
``recorded`` gives the values a run manifest keeps and ``to_argv`` the flags that set them.
"""

from __future__ import annotations

import argparse
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, Field, field, fields, is_dataclass

# A help text that already states its default: "(default: all)", "(default 1-10)",
# "...; default: the study's own". Not "default LM: ...", which names no default value.
_STATES_DEFAULT = re.compile(r"\(default\b|\bdefault:")


class DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Help with each flag's default, unless its help already states one or it has none."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if _STATES_DEFAULT.search(action.help or "") or action.required:
            return action.help
        if action.default is None:  # an optional value: say that leaving it out is fine
            return f"{action.help} (default: not set)" if action.option_strings else action.help
        return super()._get_help_string(action)


class Version(argparse.Action):
    """``--version``: the installed package's version, looked up only when asked (the lookup
    reads package metadata, which ``mopa --help`` need not pay for)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print MoPA's version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"mopa {version('mopa')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            print("mopa (not installed: pip install -e .)")
        parser.exit()


def setting(default=MISSING, help: str = "", *, flag: str | None = None,
            choices: tuple | None = None, recorded: bool = True,
            default_factory=MISSING) -> Field:
    """A dataclass field that is also a flag. ``recorded=False`` marks a setting that changes
    no output (workers, a progress bar): run manifests leave it out, so it may differ on resume."""
    return field(default=default, default_factory=default_factory,
                 metadata={"help": help, "flag": flag, "choices": choices, "recorded": recorded})


def add_flags(parser: argparse.ArgumentParser, cls: type, *, only: tuple[str, ...] = (),
              exclude: tuple[str, ...] = (), defaults: Mapping | None = None) -> None:
    """One argument group with a flag per field of ``cls`` (nested settings included), or per
    field named in ``only``, minus those in ``exclude``; ``defaults`` overrides a field's
    default for this parser."""
    group = parser.add_argument_group(cls.__name__)
    defaults = defaults or {}
    for f, kind in _leaves(cls):
        if f.name in exclude or (only and f.name not in only):
            continue
        if not f.metadata.get("help"):
            raise TypeError(f"{cls.__name__}: field {f.name!r} has no help; declare it with "
                            "mopa.flags.setting(default, help)")
        default = defaults.get(f.name, _default(f))
        kwargs = {"dest": _dest(f), "help": f.metadata["help"]}
        if kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs.update(type=kind, choices=f.metadata.get("choices"))
        if default is MISSING:
            kwargs["required"] = True
        else:
            kwargs["default"] = default
        group.add_argument(_flag(f), **kwargs)


def from_args(cls: type, values: argparse.Namespace | Mapping):
    """An instance of ``cls`` from parsed flags, or from a mapping keyed by flag dest (as
    ``recorded`` writes them); fields absent there (excluded flags) keep their defaults."""
    if isinstance(values, argparse.Namespace):
        values = vars(values)
    kwargs = {}
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        kind = _unoptional(hints[f.name])
        if is_dataclass(kind):
            kwargs[f.name] = from_args(kind, values)
        elif _dest(f) in values:
            kwargs[f.name] = values[_dest(f)]
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
            values[_dest(f)] = value
    return values


def to_argv(cls: type, values: Mapping, exclude: tuple[str, ...] = ()) -> list[str]:
    """The flags that set ``values`` (keyed as ``recorded`` gives them), in field order.
    ``None`` is left out: it is the default of every flag that may be unset."""
    argv = []
    for f, _ in _leaves(cls):
        value = values.get(_dest(f))
        if f.name in exclude or value is None:
            continue
        if isinstance(value, bool):
            argv.append(_flag(f) if value else "--no-" + _flag(f).removeprefix("--"))
        else:
            argv += [_flag(f), str(value)]
    return argv


def _leaves(cls: type) -> Iterator[tuple[Field, type]]:
    """Every flag-level field of ``cls`` with its argparse type, nested settings expanded."""
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        kind = _unoptional(hints[f.name])
        if is_dataclass(kind):
            yield from _leaves(kind)
        else:
            yield f, kind


def _unoptional(annotation) -> type:
    """``float | None`` -> ``float``; other annotations unchanged."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return annotation


def _flag(f: Field) -> str:
    return f.metadata.get("flag") or "--" + f.name.replace("_", "-")


def _dest(f: Field) -> str:
    return _flag(f).removeprefix("--").replace("-", "_")


def _default(f: Field):
    if f.default_factory is not MISSING:
        return f.default_factory()
    return f.default
