"""A run's output directory: ``run.json`` (what was asked), ``predictions.jsonl`` (one line per
finished example, flushed as it finishes) and ``metrics.json``.

Re-opening a directory resumes it: examples with a successful line are skipped. A directory
holding a run with a different manifest is refused rather than mixed; callers put into the
manifest everything that changes an output (data, LM, program config and ``program_hash``), and
the store adds the code version (see ``code_version``). Stores whose outputs are derived from a
command's other output (``mopa compile``'s evaluation of the program it writes) pass
``replace_stale=True``: a mismatch then deletes the old records instead of refusing.

One writer at a time: a store holds an exclusive ``flock`` on ``DIR/.lock`` from opening until
``close()`` (or the end of its ``with`` block, or of the process), so a second process neither
runs the same pending examples nor cuts a live writer's half-written line. Reading
(``RunStore.read``) takes no lock.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from pathlib import Path

from mopa.atomic import append_whole, write_text_atomic
from mopa.redaction import redact
from mopa.runs.code_version import code_version, git_commit
from mopa.runs.predictions import read_predictions

log = logging.getLogger(__name__)

# Recorded in run.json but not compared: where to get the code back. ``code`` decides resuming.
RECORDED_ONLY = ("git_commit",)


class RunStore:
    def __init__(self, out: str | Path, manifest: dict, replace_stale: bool = False):
        self.dir = Path(out)
        if self.dir.exists() and not self.dir.is_dir():
            raise ValueError(f"--out {self.dir} is a file; a run's output is a directory "
                             "(run.json, predictions.jsonl, metrics.json): pass a new or "
                             "existing directory")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.predictions_path = self.dir / "predictions.jsonl"
        self.metrics_path = self.dir / "metrics.json"
        self._lock = threading.Lock()
        self._lock_fd = self._take_directory_lock()
        try:
            self._check_manifest({**manifest, "code": code_version()}, replace_stale)
            self._drop_partial_line()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release the directory for other writers (closing the file drops the flock)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _take_directory_lock(self) -> int:
        path = self.dir / ".lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise RuntimeError(
                f"run directory {self.dir} is in use by pid {holder}: wait for that process "
                "to finish (rerunning the same command then resumes), or use another --out"
            ) from None
        # The pid is only for the message above; the lock itself is the flock.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return fd

    def _check_manifest(self, manifest: dict, replace_stale: bool) -> None:
        path = self.dir / "run.json"
        # Compared as JSON (tuples become lists) and as saved: redacted, so that an unchanged
        # run whose settings hold a secret (an env var's value) still resumes.
        manifest = redact(json.loads(json.dumps(manifest)))
        previous = self._previous_manifest(path, replace_stale)
        if previous is not None:
            changed = _changed_keys({k: v for k, v in previous.items() if k not in RECORDED_ONLY},
                                    manifest)
            if not changed:
                return
            if not replace_stale:
                raise ValueError(_refusal(self.dir, changed, previous.get("git_commit")))
            log.warning("%s: replacing the outputs of a previous run with other settings "
                        "(changed: %s)", self.dir, ", ".join(changed))
            for stale in (self.predictions_path, self.metrics_path):
                stale.unlink(missing_ok=True)
        manifest["git_commit"] = git_commit()
        write_text_atomic(path, json.dumps(manifest, indent=2) + "\n")

    def _previous_manifest(self, path: Path, replace_stale: bool) -> dict | None:
        """The manifest a previous run left, or None. One that cannot be read (cut off by a
        crash before run.json was written atomically, or edited by hand) cannot be compared:
        its records may come from other settings, so they are not resumed silently; a store
        of derived outputs (``replace_stale``) just starts over."""
        if not path.exists():
            return None
        try:
            previous = json.loads(path.read_bytes().decode("utf-8"))
            problem = None if isinstance(previous, dict) else "not a JSON object"
        except json.JSONDecodeError as e:
            problem = f"line {e.lineno}: {e.msg}"
        except UnicodeDecodeError:
            problem = "not UTF-8 text"
        if problem is None:
            return previous
        if replace_stale:
            return {}  # differs from any manifest, so the stale outputs are dropped
        raise ValueError(f"{path} is unreadable ({problem}), so this directory's finished "
                         "predictions cannot be checked against these settings; delete the "
                         f"directory {self.dir} to start over, or pass another --out")

    def records(self) -> dict[str, dict]:
        return RunStore.read(self.dir)

    @staticmethod
    def read(out: str | Path) -> dict[str, dict]:
        """The records of a run directory by id (empty if it has none yet)."""
        path = Path(out) / "predictions.jsonl"
        return read_predictions(path) if path.exists() else {}

    @staticmethod
    def finished_for(out: str | Path, manifest: dict) -> set[str]:
        """The finished examples a store opened on ``out`` with ``manifest`` would resume,
        read without opening it (no lock, nothing written: what a dry run needs); none when
        the directory holds no run, or one with other settings or code."""
        path = Path(out) / "run.json"
        try:
            previous = json.loads(path.read_bytes().decode("utf-8"))
        except (OSError, ValueError):
            return set()
        current = redact(json.loads(json.dumps({**manifest, "code": code_version()})))
        if not isinstance(previous, dict) or _changed_keys(
                {k: v for k, v in previous.items() if k not in RECORDED_ONLY}, current):
            return set()
        return {pid for pid, r in RunStore.read(out).items() if not r.get("error")}

    def finished_ids(self) -> set[str]:
        return {pid for pid, r in self.records().items() if not r.get("error")}

    def append(self, record: dict) -> None:
        """One finished example's line; a write that fails (a full disk) leaves no torn line."""
        with self._lock:
            append_whole(self.predictions_path, json.dumps(record, ensure_ascii=False) + "\n")

    def _drop_partial_line(self) -> None:
        """A crash in the middle of an append leaves a last line without its newline: that
        example was not finished, so the fragment is cut off and the example runs again. Only
        called with the directory lock held, so the line cannot be a live writer's."""
        path = self.predictions_path
        if not path.exists() or path.stat().st_size == 0:
            return
        data = path.read_bytes()
        if data.endswith(b"\n"):
            return
        keep = data.rfind(b"\n") + 1
        log.warning("%s: dropping an unfinished last line (interrupted write)", path)
        with path.open("r+b") as f:
            f.truncate(keep)

    def write_metrics(self, metrics: dict) -> None:
        # The metrics repeat the program config and LM spec of the manifest.
        write_text_atomic(self.metrics_path, json.dumps(redact(metrics), indent=2) + "\n")


def _changed_keys(previous: dict, current: dict, prefix: str = "") -> list[str]:
    """Dotted paths of the differing entries, down to the sub-key (e.g. ``config.agents``)."""
    changed = []
    for key in sorted(set(previous) | set(current)):
        old, new = previous.get(key), current.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            changed += _changed_keys(old, new, f"{prefix}{key}.")
        elif old != new:
            changed.append(f"{prefix}{key}")
    return changed


def _refusal(directory: Path, changed: list[str], commit: str | None) -> str:
    listed = ", ".join(changed)
    if any(key == "code" or key.startswith("code.") for key in changed):
        started = f" (git commit {commit})" if commit else ""
        return (f"{directory} holds a run made by other code (changed: {listed}), so its "
                "finished outputs cannot be mixed with this code's; use a new --out directory, "
                f"or finish that run with the code it started with{started}")
    return (f"{directory} holds a run with different settings (changed: {listed}); use a new "
            "--out directory, or the same flags to resume it")
