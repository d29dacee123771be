"""The aggregators by name, without importing them until one is looked up.

An aggregator's name is its module's name in this package (``fusion.py`` is ``fusion``), so
names are known from the file listing alone: ``mopa --help``, the config's choices and the
experiments read them without loading DSPy. ``get_aggregator`` imports the module, whose
``@register`` class is the aggregator. A class registered from elsewhere (a test's toy, a
user's own) joins the names the moment it is registered.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from mopa.programs.aggregators.searched import SEARCHED

if TYPE_CHECKING:
    from mopa.programs.aggregators.base import Aggregator

PACKAGE = "mopa.programs.aggregators"
# The modules of this package that are not aggregators.
SUPPORT = ("base", "logprob", "registry", "searched", "text")
# Where the report's aggregators stand in lists, tables and the search space's choices (an
# Optuna study resumes only with its categorical choices in the same order); any other
# aggregator follows them in name order. Leaving a name out of here drops nothing.
REPORT_ORDER = ("merge", "consensus", "fusion", "likelihood", "contrast", "longest", "concat")

_REGISTRY: dict[str, type[Aggregator]] = {}
_lock = threading.RLock()


def register(cls: type[Aggregator]) -> type[Aggregator]:
    """Class decorator: make ``cls`` the aggregator named ``cls.name`` (one name, one class)."""
    unknown = [p.name for p in cls.searched if p not in SEARCHED]
    if unknown:
        raise ValueError(f"aggregator {cls.name!r} declares searched setting(s) "
                         f"{', '.join(unknown)} that tune does not know: declare each in "
                         f"{PACKAGE}.searched.SEARCHED")
    with _lock:
        known = _REGISTRY.get(cls.name)
        if known is not None and known is not cls:
            raise ValueError(f"an aggregator named {cls.name!r} is already registered "
                             f"({known.__module__}.{known.__qualname__}); pick another name")
        _REGISTRY[cls.name] = cls
    return cls


@cache
def _modules() -> tuple[str, ...]:
    found = {m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])}
    found -= set(SUPPORT)
    return tuple(n for n in REPORT_ORDER if n in found) + tuple(
        sorted(n for n in found - set(REPORT_ORDER) if not n.startswith("_")))


def aggregator_names() -> tuple[str, ...]:
    """Every aggregator's name: this package's, then those registered from elsewhere."""
    modules = _modules()
    with _lock:
        return modules + tuple(n for n in _REGISTRY if n not in modules)


def get_aggregator(name: str) -> type[Aggregator]:
    with _lock:
        if name not in _REGISTRY and name in _modules():
            importlib.import_module(f"{PACKAGE}.{name}")
            if name not in _REGISTRY:
                raise RuntimeError(f"{PACKAGE}.{name} registers no aggregator named {name!r}: "
                                   "decorate its class with @register and set name = "
                                   f"{name!r}")
        if name not in _REGISTRY:
            raise ValueError(f"unknown aggregator {name!r}; expected one of: "
                             f"{', '.join(aggregator_names())}")
        return _REGISTRY[name]


def aggregators() -> dict[str, type[Aggregator]]:
    """Every aggregator class by name, each module imported."""
    return {name: get_aggregator(name) for name in aggregator_names()}


class _Names(Sequence):
    """``aggregator_names()`` as a sequence read at each use, so a flag's choices and a
    config's check see an aggregator registered after this module was imported."""

    def __getitem__(self, index):
        return aggregator_names()[index]

    def __len__(self) -> int:
        return len(aggregator_names())

    def __repr__(self) -> str:
        return repr(aggregator_names())


AGGREGATORS: Sequence[str] = _Names()
