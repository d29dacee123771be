"""New SQLite stores (MLflow's ``mlflow.db``, Optuna's ``optuna.db``) created whole.

MLflow builds a new SQLite store through some thirty schema migrations (seconds, ten on a
busy machine) that SQLite cannot roll back as one: a process killed meanwhile (kill -9, a
second Ctrl-C) leaves a store that every later command fails to open ("table _alembic_tmp_runs
already exists"). So a store that does not exist yet is built under a temporary name and
hard-linked into place only when complete: a kill leaves at most a stray temporary file, and
the next command starts over. ``os.link`` fails if the name exists, so of two processes
creating one store at once, one store wins and both use it. A store in a directory that does
not exist is refused, not created with it: the directory is more likely a typo than a wish.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from mopa.writable import check_writable_dir


def sqlite_path(url: str | None) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other URLs and in-memory databases)."""
    if not url or not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///"):].split("?", 1)[0]
    return None if path in ("", ":memory:") else Path(path)


def check_new_store(url: str | None, flag: str = "store") -> None:
    """Refuse a SQLite store that does not exist yet in a directory that does not exist or
    cannot be written, naming the directory (commands call this before starting anything)."""
    path = sqlite_path(url)
    if path is None or path.exists():
        return
    if not path.parent.is_dir():
        raise ValueError(f"{url}: the directory {path.parent} does not exist; create it first "
                         f"(mkdir -p {path.parent}) or give a file in an existing directory")
    check_writable_dir(path.parent, flag)


def create_whole(url: str | None, initialize: Callable[[str], None]) -> None:
    """If ``url`` names a SQLite file that does not exist, build it with ``initialize(temp_url)``
    on a temporary file next to it, then link it into place."""
    path = sqlite_path(url)
    if path is None or path.exists():
        return
    check_new_store(url)
    _remove_abandoned(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        initialize(f"sqlite:///{temp}")
        # FileExistsError: another process finished first, and its store is as good.
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
    finally:
        for leftover in (temp, temp.with_name(temp.name + "-journal")):
            leftover.unlink(missing_ok=True)


def _remove_abandoned(path: Path) -> None:
    """Temporary stores of killed processes (the pid in the name no longer runs)."""
    for partial in path.parent.glob(f".{path.name}.*.partial*"):
        pid = partial.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            partial.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def initialize_mlflow(url: str) -> None:
    from mlflow import MlflowClient  # lazy: the Optuna store uses this module too

    MlflowClient(url).search_experiments(max_results=1)  # runs MLflow's migrations


def initialize_optuna(url: str) -> None:
    import optuna  # lazy: the MLflow store uses this module too

    storage = optuna.storages.RDBStorage(url)  # creates Optuna's tables
    storage.engine.dispose()
