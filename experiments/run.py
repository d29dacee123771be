"""``mopa experiment NAME``: run an experiment's systems through the ``mopa run`` machinery.

Each system runs into ``<out>/<name>/<system>`` with the same examples, retrieval and LM
settings; an interrupted experiment resumes where it stopped and reuses the LM cache. The
results (metrics, paired-bootstrap CIs, plots) go to ``<out>/<name>/results.json`` and PNGs,
and to one MLflow parent run with a nested run per system.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from mopa.atomic import write_text_atomic
from mopa.costs.budget import spending_limit
from mopa.costs.dry_run import print_report
from mopa.costs.estimate import Estimate, for_run, planned_roles, structure
from mopa.costs.simulate import dry_program
from mopa.experiments import EXPERIMENTS
from mopa.experiments.agents import systems as by_count
from mopa.experiments.command import experiment_argv
from mopa.experiments.compare import compare_systems, previous_systems
from mopa.experiments.plots import plot_experiment
from mopa.experiments.spec import Experiment, System
from mopa.program_files import program_hash
from mopa.programs import PRESETS, ProgramChoice, build_program, comma_list, get_preset
from mopa.redaction import redact
from mopa.runs.outcome import refuse_all_failed
from mopa.runs.runner import execute
from mopa.runs.settings import DataSettings, MetricSettings, RunSettings, TrackingSettings
from mopa.runs.store import RunStore
from mopa.scoring.registry import headline
from mopa.settings import recorded

# The report's protocol: test split, the 1000 records with the most profile items, k=4, items
# cut to 100 words, outputs cleaned by rules before scoring.
REPORT_DATA = {"limit": 1000, "selection": "most-profile"}
REPORT_RUN = {"k": 4, "max_words": 100, "clean": True}
# What each system of an experiment sets itself (the rest of the ProgramChoice is shared).
PER_SYSTEM = ("preset", "roles", "rag_agents", "proposer_lms")


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
        baselines = tuple(s for s in experiment.systems if not get_preset(s.preset).layered)
        chosen = baselines + by_count(agent_counts)
    if systems:
        wanted = system_names(systems, chosen)
        chosen = tuple(s for s in chosen if any(s.named(name) for name in wanted))
    return chosen


def system_names(value: str, systems: tuple[System, ...]) -> list[str]:
    """``--systems``' comma-separated names, each a preset, a label or a label's slug of
    ``systems``. A label may hold commas itself (``RAG MoPA (fusion, drafts refinement)``), so
    the longest run of items that names a system is one name. Any other name is refused,
    with the names there are."""
    items = value.split(",")
    names, unknown, i = [], [], 0
    while i < len(items):
        for j in range(len(items), i, -1):
            name = ",".join(items[i:j]).strip()
            if any(s.named(name) for s in systems):
                names.append(name)
                i = j
                break
        else:
            if items[i].strip():
                unknown.append(items[i].strip())
            i += 1
    if unknown or not names:
        presets = ", ".join(dict.fromkeys(s.preset for s in systems))
        labels = ", ".join(repr(s.label) for s in systems)
        raise ValueError(f"--systems {value!r}: no system of this experiment is named "
                         f"{', '.join(map(repr, unknown)) or 'in it'}; name systems by preset "
                         f"({presets}) or by label ({labels}), or by a label's slug (its "
                         "directory under --out)")
    return names


def run_experiment(name: str, data: DataSettings, settings: RunSettings,
                   program: ProgramChoice, report_protocol: bool = False,
                   agent_counts: str | None = None, systems: str | None = None,
                   out: str = "runs/experiments",
                   tracking_settings: TrackingSettings | None = None,
                   scoring: MetricSettings | None = None) -> dict:
    """Run the experiment's systems (or those ``systems`` names) on the examples ``data``
    selects. ``program`` is what the systems share: LMs per role, options, and the agents and
    layers of systems that do not set them (None: the experiment's defaults); each system sets
    its preset, roles and RAG agents, and the -md ones take ``program.proposer_lms``.
    ``scoring``: the metrics every system is scored and compared on (None: the default ones),
    recorded by name with the settings, so results on other metrics are never mixed in."""
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; expected one of: {', '.join(EXPERIMENTS)}")
    experiment = EXPERIMENTS[name]
    if report_protocol:
        data, settings = replace(data, **REPORT_DATA), replace(settings, **REPORT_RUN)
    program = replace(program, agents=program.agents or experiment.defaults.get("agents", 4),
                      layers=program.layers or experiment.defaults.get("layers", 5))
    examples = data.examples()
    task = examples[0].task
    # -md needs several LMs; with one model, differently-sampled copies stand in for them.
    md_lms = comma_list(program.proposer_lms) or [f"{settings.lm}@0.3", f"{settings.lm}@1.0"]
    chosen = resolve_systems(experiment, parse_counts(agent_counts), systems)
    scoring = scoring or MetricSettings()
    scoring = scoring.with_metrics(scoring.chosen())  # named, so a default change shows
    metric_lms = scoring.lms()  # a metric without its LM: refused before any system runs

    root = Path(out) / name
    record = {"experiment": name, **recorded(data), **recorded(settings),
              **recorded(program, exclude=PER_SYSTEM), **recorded(scoring), "md_lms": md_lms,
              "n": len(examples)}
    previous = previous_systems(root / "results.json", record)
    lms = settings.lm_pool()
    if any(PRESETS[s.preset].multi_lm for s in chosen):
        for spec in md_lms:  # a bad --proposer-lms is refused before the first system writes
            lms.get(spec)
    runs, estimates = {}, []
    # One budget for every system: each draws on what the ones before it spent.
    with spending_limit(settings.max_cost):
        for system in chosen:
            config = replace(
                program, preset=system.preset, agents=system.agents or program.agents,
                layers=system.layers or program.layers,
                roles=",".join(system.roles) if system.roles else None,
                rag_agents=system.rag_agents,
                proposer_lms=",".join(md_lms) if PRESETS[system.preset].multi_lm else None,
                options=replace(program.options, **dict(system.options)),
            ).config(task, settings.base_model)
            if settings.dry_run:
                estimates.append(dry_estimate(system, config, settings, record, examples,
                                              root / system.slug))
                continue
            module = build_program(config, lms)
            manifest = {**record, "config": config.as_dict(), "program_hash": program_hash(module)}
            with RunStore(root / system.slug, manifest) as store:
                metrics = execute(module, config, examples, store, lms, settings, scoring.chosen(),
                                  metric_lms)
            # Stop at a system whose every example failed (an LM down or misnamed): the others
            # would fail alike; finished systems resume on the rerun.
            refuse_all_failed(metrics, store.dir, f"system {system.label}")
            runs[system.label] = {"system": system, "config": config, "metrics": metrics,
                                  "dir": store.dir}

    if settings.dry_run:
        print_report(estimates, settings.workers, f"experiment {name}")
        return {"dry_run": estimates}
    results = {"settings": record, "kind": experiment.kind,
               "description": experiment.description,
               "systems": compare_systems(
                   examples, runs, experiment.baselines, settings.clean, previous,
                   command=experiment_argv(record, systems, agent_counts, out,
                                           settings.workers),
                   metrics=scoring.chosen(), lms=metric_lms)}
    root.mkdir(parents=True, exist_ok=True)
    _write_results(root, results)
    figures = plot_experiment(results, root)
    results["figures"] = [str(f) for f in figures]
    _write_results(root, results)
    _log_to_mlflow(results, runs, root, figures,
                   (tracking_settings or TrackingSettings()).tracking_uri, examples)
    return results


def dry_estimate(system: System, config, settings: RunSettings, record: dict,
                 examples: list, run_dir: Path) -> Estimate:
    """A system's estimate, its finished examples free; a program the real LMs cannot build
    (a scoring aggregator on a chat API) says why instead, as the real run would refuse it."""
    try:
        program = dry_program(config, settings.lm, settings.max_tokens)
    except ValueError as e:
        return Estimate(system.label, structure(config), planned_roles(config), len(examples),
                        0, note=f"would be refused: {e}")
    manifest = {**record, "config": config.as_dict(), "program_hash": program_hash(program[0])}
    return for_run(config, examples, settings, RunStore.finished_for(run_dir, manifest),
                   label=system.label, program=program)


def _write_results(root: Path, results: dict) -> None:
    text = json.dumps(redact(results), indent=2)  # settings and command hold the LM flags
    # Atomic: a rerun reads it back (previous_systems), so a torn file would block the rerun.
    write_text_atomic(root / "results.json", text + "\n")


def _log_to_mlflow(results: dict, runs: dict, root: Path, figures: list[Path],
                   tracking_uri: str | None, examples: list) -> None:
    # Lazy: MLflow takes seconds to import; only --tracking-uri logs an experiment.
    from mlflow import MlflowClient

    from mopa.runs import run_context, tracking

    client = MlflowClient(tracking.configure(tracking_uri))
    # A tracking store that does not answer costs the experiment its MLflow runs only.
    with tracking.may_fail(client.tracking_uri, f"the experiment's results are in {root}; "
                           "rerun the same `mopa experiment` to log them (it computes nothing "
                           "again)"):
        experiment_id = tracking.get_or_create_experiment(client, "mopa-experiments")
        settings = results["settings"]
        parent = tracking.start_run(client, experiment_id, f"experiment-{settings['experiment']}",
                                    params=settings)  # log_params redacts every value
        # Named and described so the runs table reads without picking columns (run_context).
        source = settings["data"]
        run_context.describe(client, parent, "experiment",
                             name=f"{settings['experiment']} · {len(runs)} systems on "
                                  f"{len(examples)} examples",
                             note=f"Experiment `{settings['experiment']}`: "
                                  f"{results['description']} One nested run per system.",
                             examples=examples, source=source)
        for label, run in runs.items():
            child = tracking.start_run(client, experiment_id, label, parent_run_id=parent,
                                       params=tracking.flatten_config(run["config"].as_dict()))
            run_context.describe(
                client, child, "experiment",
                name=f"{label} · {headline(run['metrics']['final'])}",
                note=f"{label} ({run_context.structure(run['config'].as_dict())}) in experiment "
                     f"`{settings['experiment']}`; outputs in `{run['dir']}`.",
                examples=examples, source=source)
            tracking.log_run_metrics(client, child, run["metrics"])
            tracking.log_artifacts(client, child, [run["dir"] / "predictions.jsonl"])
            tracking.finish_run(client, child)
        tracking.log_artifacts(client, parent, [root / "results.json", *figures])
        tracking.finish_run(client, parent)
