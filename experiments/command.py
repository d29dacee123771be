"""The ``mopa experiment`` command line that reproduces an experiment's outputs.

Built from the resolved settings rather than copied from ``sys.argv``: every value that
changes outputs is spelled out (defaults included, ``--report-protocol`` expanded), so the
command still reproduces the run after a default changes. The flags come from the settings
dataclasses the command line is generated from (``mopa.settings.to_argv``), so a new setting is
spelled out too; settings saved by older code simply lack it.
"""

from __future__ import annotations

from mopa.programs.config import ProgramChoice
from mopa.redaction import redact
from mopa.runs.settings import DataSettings, MetricSettings, RunSettings
from mopa.settings import to_argv


def experiment_argv(settings: dict, systems: str | None = None,
                    agent_counts: str | None = None, out: str | None = None,
                    workers: int = 1) -> list[str]:
    """``settings`` as ``run_experiment`` records them (flag dests, plus the experiment's name,
    the -md proposer LMs and n)."""
    s = redact(dict(settings))
    argv = ["mopa", "experiment", s["experiment"], *to_argv(DataSettings, s),
            *to_argv(RunSettings, s), *to_argv(MetricSettings, s),
            *to_argv(ProgramChoice, s, exclude=("preset", "roles", "rag_agents", "proposer_lms")),
            "--proposer-lms", ",".join(s["md_lms"])]
    if agent_counts:
        argv += ["--agent-counts", agent_counts]
    if systems:
        argv += ["--systems", systems]
    if workers != 1:
        argv += ["--workers", str(workers)]
    if out:
        argv += ["--out", out]
    return argv
