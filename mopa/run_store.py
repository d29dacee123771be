"""A run's output directory: ``run.json`` (what was asked), ``predictions.jsonl`` (one line per
finished example, flushed as it finishes) and ``metrics.json``.

Re-opening a directory resumes it: examples with a successful line are skipped. A directory
holding a run with a different configuration is refused rather than mixed.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from mopa.predictions import read_predictions

log = logging.getLogger(__name__)


class RunStore:
    def __init__(self, out: str | Path, manifest: dict):
        self.dir = Path(out)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.predictions_path = self.dir / "predictions.jsonl"
        self.metrics_path = self.dir / "metrics.json"
        self._lock = threading.Lock()
        self._check_manifest(manifest)
        self._drop_partial_line()

    def _check_manifest(self, manifest: dict) -> None:
        path = self.dir / "run.json"
        manifest = json.loads(json.dumps(manifest))  # compare as JSON (tuples become lists)
        if path.exists():
            previous = json.loads(path.read_text(encoding="utf-8"))
            if previous != manifest:
                changed = sorted(k for k in set(previous) | set(manifest)
                                 if previous.get(k) != manifest.get(k))
                raise ValueError(
                    f"{self.dir} holds a run with different settings (changed: "
                    f"{', '.join(changed)}); use a new --out directory, or the same flags to "
                    "resume it"
                )
            return
        path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    def records(self) -> dict[str, dict]:
        return RunStore.read(self.dir)

    @staticmethod
    def read(out: str | Path) -> dict[str, dict]:
        """The records of a run directory by id (empty if it has none yet)."""
        path = Path(out) / "predictions.jsonl"
        return read_predictions(path) if path.exists() else {}

    def finished_ids(self) -> set[str]:
        return {pid for pid, r in self.records().items() if not r.get("error")}

    def append(self, record: dict) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock, self.predictions_path.open("a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    def _drop_partial_line(self) -> None:
        """A crash in the middle of an append leaves a last line without its newline: that
        example was not finished, so the fragment is cut off and the example runs again."""
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
        tmp = self.metrics_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.metrics_path)
