"""Command-line flags generated from settings dataclasses (``mopa.settings``), so that each
setting is declared once.

A field declared with ``setting(default, help, ...)`` becomes ``--field-name``: its type comes
from the annotation (``X | None`` too), a bool becomes ``--x/--no-x``, help and choices come from
the field. ``flag=`` renames it, and the argparse dest follows the flag, so two classes may hold
fields of one name with different meanings (``RunSettings.lm`` is ``--lm``, the program's
``ProgramConfig.lm`` is ``--proposer-lm``). A field whose type is itself a settings dataclass
(``ProgramChoice.options``) adds its flags to the same group.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from dataclasses import MISSING

from mopa.settings import default_value, dest_name, flag_name, leaves

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
        # Lazy: importlib.metadata costs ~30 ms, which only --version needs.
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"mopa {version('mopa')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            print("mopa (not installed: pip install -e .)")
        parser.exit()


def add_flags(parser: argparse.ArgumentParser, cls: type, *, only: tuple[str, ...] = (),
              exclude: tuple[str, ...] = (), defaults: Mapping | None = None) -> None:
    """One argument group with a flag per field of ``cls`` (nested settings included), or per
    field named in ``only``, minus those in ``exclude``; ``defaults`` overrides a field's
    default for this parser."""
    group = parser.add_argument_group(cls.__name__)
    defaults = defaults or {}
    for f, kind in leaves(cls):
        if f.name in exclude or (only and f.name not in only):
            continue
        if not f.metadata.get("help"):
            raise TypeError(f"{cls.__name__}: field {f.name!r} has no help; declare it with "
                            "mopa.settings.setting(default, help)")
        default = defaults.get(f.name, default_value(f))
        kwargs = {"dest": dest_name(f), "help": f.metadata["help"]}
        if kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs.update(type=kind, choices=f.metadata.get("choices"))
        if default is MISSING:
            kwargs["required"] = True
        else:
            kwargs["default"] = default
        group.add_argument(flag_name(f), **kwargs)
