"""The LM runs ``mopa report`` compares with, and the rule that it never starts them unasked.

A report reads run directories. Some it needs may not exist yet: the ``rag`` baseline of each
distinct trial run settings, and, with a held-out test selection, each top trial and its
baseline re-run on the test examples. Those are LM calls: minutes of the embedded model, or
money with an API model. So the report reuses a run that is complete on disk and starts the
missing ones only under ``--run-missing``, after printing how many LM calls it expects, with a
progress bar; without the flag its tables say what is missing and which command adds it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

from mopa.costs.dry_run import print_report
from mopa.costs.estimate import Estimate, for_run
from mopa.program_files import program_hash
from mopa.programs import ProgramConfig, build_program
from mopa.runs.runner import execute
from mopa.runs.settings import RunSettings
from mopa.runs.store import RunStore
from mopa.settings import from_args

RAG_CALLS_PER_EXAMPLE = 1.0  # RAG-Personalized makes one LM call per example


@dataclass
class NeededRun:
    """A run a report table reads: ``config`` on ``examples`` with ``settings`` (a manifest's
    flat values) into ``run_dir``; ``calls`` is its expected LM calls per example."""

    label: str
    config: ProgramConfig
    examples: list
    run_dir: Path
    settings: dict
    calls: float

    def missing(self) -> int:
        """Examples without a finished record (a failed one is retried when run)."""
        done = {i for i, r in RunStore.read(self.run_dir).items() if not r.get("error")}
        return sum(ex.id not in done for ex in self.examples)

    def complete(self) -> bool:
        return self.missing() == 0

    def run(self) -> dict:
        """Run (resumably) with a progress bar on stderr; the run's metrics."""
        run_settings = replace(from_args(RunSettings, self.settings), progress=True)
        lms = run_settings.lm_pool()
        module = build_program(self.config, lms)
        with RunStore(self.run_dir, {**self.settings, "config": self.config.as_dict(),
                                     "program_hash": program_hash(module)}) as store:
            return execute(module, self.config, self.examples, store, lms, run_settings)


def unique(runs: list[NeededRun]) -> list[NeededRun]:
    """One entry per directory (trials with the same run settings share a baseline)."""
    seen: dict[Path, NeededRun] = {}
    for r in runs:
        seen.setdefault(r.run_dir, r)
    return list(seen.values())


def estimate(runs: list[NeededRun]) -> str:
    """What running the missing examples of ``runs`` costs, one line per run and a total."""
    lines, total = [], 0.0
    for r in runs:
        n = r.missing()
        calls = n * r.calls
        total += calls
        lines.append(f"- {r.label}: {n} examples x ~{r.calls:.1f} LM calls = ~{calls:.0f} "
                     f"({r.settings.get('lm')}) -> {r.run_dir}")
    # A Markdown list: the note is also a section of best_trials.md.
    return "\n".join([*lines, f"- total: ~{total:.0f} LM calls"])


def dry_estimate(run: NeededRun) -> Estimate:
    """What running the missing examples of ``run`` costs (its finished ones are free)."""
    done = {i for i, r in RunStore.read(run.run_dir).items() if not r.get("error")}
    return for_run(run.config, run.examples, from_args(RunSettings, run.settings), done,
                   label=f"{run.label} -> {run.run_dir}")


def provide(runs: list[NeededRun], run_missing: bool, study: str,
            dry_run: bool = False) -> str | None:
    """Run the incomplete ``runs`` when ``run_missing`` (estimate first), else leave them; a
    note for the report when some are still missing, naming the command that adds them.
    ``dry_run``: print what running them would cost instead, and run nothing."""
    todo = [r for r in unique(runs) if not r.complete()]
    if dry_run:
        print_report([dry_estimate(r) for r in todo], 1, "report --run-missing")
        return None
    if not todo:
        return None
    if run_missing:
        print(f"mopa report: running {len(todo)} missing run(s) with the study's LM:\n"
              f"{estimate(todo)}", file=sys.stderr, flush=True)
        for r in todo:
            r.run()
        return None
    return (f"Missing runs: {len(todo)} run(s) this report compares with are not on disk, so "
            "their columns show 'missing':\n\n" + estimate(todo) + "\n\nThey cost LM calls, "
            "so they run only when asked: rerun this report with `--run-missing` (`mopa "
            f"report --study {study} --run-missing` plus the other flags given here; "
            "resumable, every finished example is reused).")
