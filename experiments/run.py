"""``mopa experiment NAME``: run an experiment's systems through the ``mopa run`` machinery.

Each system runs into ``<out>/<name>/<system>`` with the same examples, retrieval and LM
settings; an interrupted experiment resumes where it stopped and reuses the LM cache. The
results (metrics, paired-bootstrap CIs, plots) go to ``<out>/<name>/results.json`` and PNGs,
and to one MLflow parent run with a nested run per system.
"""

from __future__ import annotations

import json
from pathlib import Path

from mopa.data import load, select
from mopa.experiments import EXPERIMENTS
from mopa.experiments.command import experiment_argv
from mopa.experiments.compare import compare_systems, previous_systems
from mopa.experiments.plots import plot_experiment
from mopa.experiments.spec import Experiment, System
from mopa.lm.pool import LMPool
from mopa.program_io import program_hash
from mopa.programs import PRESETS, build_program, comma_list, make_config
from mopa.run_store import RunStore
from mopa.runner import execute

# The report's protocol: test split, the 1000 records with the most profile items, k=4, items
# cut to 100 words, outputs cleaned by rules before scoring.
REPORT_PROTOCOL = {"limit": 1000, "selection": "most-profile", "k": 4, "max_words": 100,
                   "clean": True}


def parse_counts(value: str | None) -> tuple[int, ...] | None:
    """``4-10`` or ``2,4,8`` -> agent counts."""
    if not value:
        return None
    try:
        if "-" in value:
            low, high = (int(v) for v in value.split("-", 1))
            counts = tuple(range(low, high + 1))
        else:
            counts = tuple(int(v) for v in value.split(","))
    except ValueError:
        raise ValueError(f"agent counts must look like 4-10 or 2,4,8; got {value!r}") from None
    if not counts or min(counts) < 1:
        raise ValueError(f"agent counts must be >= 1; got {value!r}")
    return counts


def resolve_systems(experiment: Experiment, agent_counts: tuple[int, ...] | None,
                    systems: str | None) -> tuple[System, ...]:
    chosen = experiment.systems
    if agent_counts and experiment.kind == "agents":
        from mopa.experiments.agents import systems as by_count

        chosen = by_count(agent_counts)
    if systems:
        wanted = {s.strip() for s in systems.split(",")}
        chosen = tuple(s for s in chosen if s.preset in wanted or s.slug in wanted)
        if not chosen:
            raise ValueError(f"--systems {systems!r} matches none of this experiment's systems "
                             f"({', '.join(s.preset for s in experiment.systems)})")
    return chosen


def run_experiment(name: str, data: str, lm: str = "embedded", limit: int | None = None,
                   selection: str = "first", seed: int = 0, k: int = 4, max_words: int = 100,
                   clean: bool = True, report_protocol: bool = False, agents: int | None = None,
                   layers: int | None = None, agent_counts: str | None = None,
                   systems: str | None = None, proposer_lms: str | None = None,
                   planner_lm: str | None = None, aggregator_lm: str | None = None,
                   api_base: str | None = None, temperature: float = 0.7,
                   max_tokens: int = 256, workers: int = 1, out: str = "runs/experiments",
                   tracking_uri: str | None = None, progress: bool = True) -> dict:
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; expected one of: {', '.join(EXPERIMENTS)}")
    experiment = EXPERIMENTS[name]
    if report_protocol:
        limit, selection, k, max_words, clean = (REPORT_PROTOCOL[key] for key in
                                                 ("limit", "selection", "k", "max_words", "clean"))
    agents = agents or experiment.defaults.get("agents", 4)
    layers = layers or experiment.defaults.get("layers", 5)
    examples = select(load(data), limit, how=selection, seed=seed)
    if not examples:
        raise ValueError(f"{data}: no examples selected")
    task = examples[0].task
    # -md needs several LMs; with one model, differently-sampled copies stand in for them.
    md_lms = comma_list(proposer_lms) or [f"{lm}@0.3", f"{lm}@1.0"]
    chosen = resolve_systems(experiment, parse_counts(agent_counts), systems)

    root = Path(out) / name
    settings = {"experiment": name, "data": data, "lm": lm, "limit": limit,
                "selection": selection, "seed": seed, "k": k, "max_words": max_words,
                "clean": clean, "agents": agents, "layers": layers, "md_lms": md_lms,
                "planner_lm": planner_lm, "aggregator_lm": aggregator_lm, "api_base": api_base,
                "temperature": temperature, "max_tokens": max_tokens, "n": len(examples)}
    previous = previous_systems(root / "results.json", settings)
    lms = LMPool(lm, temperature, max_tokens, api_base)
    runs = {}
    for system in chosen:
        config = make_config(system.preset, task=task, agents=system.agents or agents,
                             layers=system.layers or layers,
                             roles=list(system.roles) if system.roles else None,
                             proposer_lms=md_lms if PRESETS[system.preset].multi_lm else None,
                             rag_agents=system.rag_agents, planner_lm=planner_lm,
                             aggregator_lm=aggregator_lm)
        module = build_program(config, lms)
        manifest = {**settings, "config": config.as_dict(), "program_hash": program_hash(module)}
        with RunStore(root / system.slug, manifest) as store:
            metrics = execute(module, config, examples, store, lms, workers=workers, k=k,
                              max_words=max_words, clean=clean, progress=progress)
        runs[system.label] = {"system": system, "config": config, "metrics": metrics,
                              "dir": store.dir}

    results = {"settings": settings, "kind": experiment.kind,
               "description": experiment.description,
               "systems": compare_systems(
                   examples, runs, experiment.baselines, clean, previous,
                   command=experiment_argv(settings, systems, agent_counts, out, workers))}
    root.mkdir(parents=True, exist_ok=True)
    (root / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    figures = plot_experiment(results, root)
    results["figures"] = [str(f) for f in figures]
    (root / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    _log_to_mlflow(results, runs, root, figures, tracking_uri)
    return results


def _log_to_mlflow(results: dict, runs: dict, root: Path, figures: list[Path],
                   tracking_uri: str | None) -> None:
    from mlflow import MlflowClient

    from mopa import tracking

    client = MlflowClient(tracking.configure(tracking_uri))
    experiment_id = tracking.get_or_create_experiment(client, "mopa-experiments")
    settings = results["settings"]
    parent = tracking.start_run(client, experiment_id, f"experiment-{settings['experiment']}",
                                params={**settings, "api_base":
                                        tracking.redact_url(settings["api_base"])})
    for label, run in runs.items():
        child = tracking.start_run(client, experiment_id, label, parent_run_id=parent,
                                   params=tracking.flatten_config(run["config"].as_dict()))
        tracking.log_run_metrics(client, child, run["metrics"])
        tracking.log_artifacts(client, child, [run["dir"] / "predictions.jsonl"])
        tracking.finish_run(client, child)
    tracking.log_artifacts(client, parent, [root / "results.json", *figures])
    tracking.finish_run(client, parent)
