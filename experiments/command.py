"""The ``mopa experiment`` command line that reproduces an experiment's outputs.

Built from the resolved settings rather than copied from ``sys.argv``: every value that
changes outputs is spelled out (defaults included, ``--report-protocol`` expanded), so the
command still reproduces the run after a default changes.
"""

from __future__ import annotations


def experiment_argv(settings: dict, systems: str | None = None,
                    agent_counts: str | None = None, out: str | None = None,
                    workers: int = 1) -> list[str]:
    s = settings
    argv = ["mopa", "experiment", s["experiment"], "--data", s["data"], "--lm", s["lm"]]
    if s["limit"] is not None:
        argv += ["--limit", str(s["limit"])]
    argv += ["--selection", s["selection"], "--seed", str(s["seed"]), "--k", str(s["k"]),
             "--max-words", str(s["max_words"])]
    if not s["clean"]:
        argv.append("--no-clean")
    argv += ["--agents", str(s["agents"]), "--layers", str(s["layers"]),
             "--proposer-lms", ",".join(s["md_lms"])]
    for flag, key in (("--planner-lm", "planner_lm"), ("--aggregator-lm", "aggregator_lm")):
        if s[key]:
            argv += [flag, s[key]]
    if s["api_base"]:
        from mopa.tracking import redact_url  # imports mlflow: only when there is a URL

        argv += ["--api-base", redact_url(s["api_base"])]
    argv += ["--temperature", str(s["temperature"]), "--max-tokens", str(s["max_tokens"])]
    if agent_counts:
        argv += ["--agent-counts", agent_counts]
    if systems:
        argv += ["--systems", systems]
    if workers != 1:
        argv += ["--workers", str(workers)]
    if out:
        argv += ["--out", out]
    return argv
