"""``mopa report``: the best trials of a study, compared honestly, with plots in MLflow.

For the top trials: their metrics, LM calls per example, and the paired-bootstrap 95% CI of
their per-example difference against ``copy-latest`` and against the ``rag`` program run on
the same examples with the trial's own run settings (temperature, k, max_words: tune searches
them) and length policy (length_factor, trim), so that a gain that is only length or sampling
shows as such; one rag run per distinct such settings, resumable. Copy-latest needs no
run: its scores on the same examples come with every run's (``run_scores``).

Two tables, because the examples that rank the trials cannot also judge the winner:

- *selection*: the examples the trials were scored on. They chose the winner, so its numbers
  and CIs there are optimistic (the winner's curse).
- *test*: the study's held-out test selection (see ``holdout``: recorded by ``mopa tune
  --test-limit/--test-data``, or by the first report given those flags), disjoint by id from
  every trial's examples. Each top trial's program is rebuilt from its stored config and run
  with its own run settings, like the baselines, through the resumable runner into
  ``OUT/STUDY/test/``.

Without a test selection the report says that all its numbers are selection numbers. The
tables and the plots (``report_plots``) are saved under ``OUT/STUDY/report`` and logged to the
study's MLflow parent run.

The baselines and test re-runs are LM calls, so the report starts none unasked: it reuses the
complete ones on disk, runs the missing ones only with ``run_missing`` (``--run-missing``, after
an estimate of the calls; see ``report_runs``) and otherwise shows them as missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import optuna
from mlflow import MlflowClient

from mopa.costs.budget import spending_limit
from mopa.jsonl import read_json
from mopa.optimizers.holdout import study_test_examples
from mopa.optimizers.objectives import scored_metrics
from mopa.optimizers.report_plots import plots
from mopa.optimizers.report_runs import RAG_CALLS_PER_EXAMPLE, NeededRun, provide
from mopa.optimizers.settings import StudySettings
from mopa.optimizers.study import PARENT_ATTR, open_storage
from mopa.programs import ProgramConfig, make_config
from mopa.runs import tracking
from mopa.runs.settings import DataSettings, MetricSettings, TrackingSettings
from mopa.runs.store import RunStore
from mopa.scoring.intervals import Interval
from mopa.scoring.registry import HEADLINE, Metric, get_metric, metric_keys
from mopa.scoring.run_scores import (
    RunScores,
    aggregate,
    columns,
    judge_usage,
    mean_intervals,
    paired_intervals,
)
from mopa.settings import from_args

BASELINE = "rag"  # the program every trial is compared with, besides copy-latest
SELECTION_TITLE = "selection (the examples that chose the winner: optimistic)"
TEST_TITLE = "test (held out)"


def _run_settings(run_dir: Path) -> dict:
    """The settings a run was made with (data selection, LM, temperature, k, ...), from its
    manifest, without what identifies its program and code (``_run`` hashes its own program;
    the store adds the code)."""
    manifest = read_json(run_dir / "run.json")  # errors name the file
    return {k: v for k, v in manifest.items()
            if k not in ("trial", "config", "program_hash", "code", "git_commit")}


def _settings(trial: optuna.trial.FrozenTrial) -> dict:
    """The trial's own run settings, as tune recorded them in its run's manifest."""
    return _run_settings(Path(trial.user_attrs["run_dir"]))


def _baseline(config: ProgramConfig, settings: dict, out: Path) -> tuple[ProgramConfig, Path]:
    """The rag baseline of a run: its length policy, run into a directory named by what
    tune varies per trial (the rest of ``settings`` is the study's)."""
    base = make_config(BASELINE, task=config.task, length_factor=config.length_factor,
                       trim=config.trim)
    key = [f"T{settings['temperature']}", f"k{settings['k']}", f"w{settings['max_words']}"]
    key += [f"len{base.length_factor}"] if base.length_factor is not None else []
    key += ["trim"] if base.trim else []
    return base, out / "-".join([f"baseline-{BASELINE}", *key])


def baseline_run(config: ProgramConfig, settings: dict, examples: list,
                 out: Path) -> NeededRun:
    """The rag baseline a trial's row compares with, on ``examples``."""
    base, run_dir = _baseline(config, settings, out)
    return NeededRun(f"{BASELINE} baseline", base, examples, run_dir, settings,
                     RAG_CALLS_PER_EXAMPLE)


def held_out_run(trial: optuna.trial.FrozenTrial, spec: dict, examples: list,
             test_dir: Path) -> NeededRun:
    """A top trial's program re-run on the test examples with its own run settings."""
    calls = (trial.user_attrs.get("per_example") or {}).get("lm_calls") or 1.0
    return NeededRun(f"trial {trial.number} on the test examples",
                     ProgramConfig.from_dict(trial.user_attrs["config"]), examples,
                     test_dir / f"trial-{trial.number}",
                     {**_settings(trial), "test_selection": spec}, calls)


def best_trials(study: optuna.Study, top: int) -> list[optuna.trial.FrozenTrial]:
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if len(study.directions) > 1:
        return study.best_trials[:top]
    reverse = study.direction == optuna.study.StudyDirection.MAXIMIZE
    return sorted(done, key=lambda t: t.value, reverse=reverse)[:top]


def trial_rows(trials: list, run_dirs: list[Path], examples: list, out: Path,
               metrics: list[Metric] | None = None, lms: dict | None = None) -> list[dict]:
    """One row per trial from its run directory on ``examples``: its scores on ``metrics``
    (None: the default ones; scored with ``lms``) with CIs, and the paired CIs against
    copy-latest and, when that run is complete on disk, against the rag baseline run on the same
    examples with the run's settings (read from its manifest) in ``out/baseline-rag-...``;
    ``references`` holds those two baselines' mean scores."""
    scored: dict = {}  # score rows per baseline dir, and of copy-latest per cleaning rule
    rows = []
    for t, run_dir in zip(trials, run_dirs, strict=True):
        config = ProgramConfig.from_dict(t.user_attrs["config"])
        settings = _run_settings(run_dir)
        clean = settings["clean"]
        run = RunScores(examples, RunStore.read(run_dir), clean, metrics, lms)
        if ("copy-latest", clean) not in scored:
            scored["copy-latest", clean] = run.copy_latest
        baselines = {"copy-latest": scored["copy-latest", clean]}
        base = baseline_run(config, settings, examples, out)
        if base.complete():
            if base.run_dir not in scored:
                scored[base.run_dir] = RunScores(examples, RunStore.read(base.run_dir), clean,
                                                 metrics, lms).final
            baselines[BASELINE] = scored[base.run_dir]
        final = columns(run.final)
        rows.append({
            "trial": t.number, "params": t.params, "preset": config.preset,
            "agents": len(config.agents), "layers": config.layers,
            "aggregator": config.aggregator, "baseline_dir": str(base.run_dir),
            "final": aggregate(run.final), "ci": mean_intervals(final),
            "lm_calls": run.per_example["lm_calls"],
            "vs": {b: paired_intervals(final, columns(r)) for b, r in baselines.items()},
            "references": {b: aggregate(r) for b, r in baselines.items()},
        })
    return rows


def selection_section(trials: list, examples: list, study_dir: Path, settings: dict,
                      metrics: list[Metric], lms: dict | None = None) -> dict:
    runs = [Path(t.user_attrs["run_dir"]) for t in trials]
    return {"title": SELECTION_TITLE, "data": settings["data"],
            "ids": [ex.id for ex in examples],
            "about": f"{len(examples)} examples of {settings['data']} (--limit "
                     f"{settings['limit']}, --selection {settings['selection']}, seed "
                     f"{settings['seed']}): the trials were scored and ranked on them, so "
                     "the winner's numbers here are optimistic",
            "rows": trial_rows(trials, runs, examples, study_dir, metrics, lms)}


def test_section(trials: list, spec: dict, examples: list, test_dir: Path,
                 metrics: list[Metric], lms: dict | None = None) -> dict:
    """The trials whose re-run on the test examples is complete (see ``report_runs``)."""
    done = [t for t in trials if held_out_run(t, spec, examples, test_dir).complete()]
    about = (f"{len(examples)} examples of {spec['data']} (seed {spec['seed']}), disjoint by "
             "id from every trial's examples and unseen by the search; each trial's program "
             "re-run on them")
    if len(done) < len(trials):
        about += (f" ({len(trials) - len(done)} of the {len(trials)} top trials not re-run "
                  "yet: see Missing runs)")
    return {"title": TEST_TITLE, "data": spec["data"], "ids": spec["ids"], "about": about,
            "rows": trial_rows(done, [test_dir / f"trial-{t.number}" for t in done],
                               examples, test_dir, metrics, lms)}


def needed_runs(trials: list, examples: list, study_dir: Path, test) -> list[NeededRun]:
    """Every run the two tables compare with: the rag baselines on the selection examples
    and, with a test selection, each trial and its baseline on the test examples."""
    runs = [baseline_run(ProgramConfig.from_dict(t.user_attrs["config"]), _settings(t),
                         examples, study_dir) for t in trials]
    if test:
        spec, test_examples = test
        for t in trials:
            trial = held_out_run(t, spec, test_examples, study_dir / "test")
            runs += [trial, baseline_run(trial.config, trial.settings, test_examples,
                                         study_dir / "test")]
    return runs


def markdown(section: dict) -> str:
    def ci(iv: dict | None) -> str:
        return Interval(**iv).format(star=True) if iv else "missing"

    rows = section["rows"]
    names = metric_keys(rows[0]["final"]) if rows else []
    labels = [get_metric(m).label for m in names]
    head = ["trial", "preset", "N×L", "aggregator", *labels, "LM calls/ex",
            *(f"Δ{label} vs {b}" for label in labels for b in (BASELINE, "copy-latest"))]
    lines = [f"## {section['title']}", "", section["about"] + ".", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [str(r["trial"]), r["preset"], f"{r['agents']}×{r['layers']}", r["aggregator"],
                 *(f"{r['final'][m]:.4f}" for m in names), f"{r['lm_calls']:.1f}",
                 *(ci(r["vs"].get(b, {}).get(m)) for m in names
                   for b in (BASELINE, "copy-latest"))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def no_test_note(study: str) -> str:
    return ("No test selection: every number above is a selection number, measured on the "
            "examples that chose the winner, so its CIs are optimistic. For held-out numbers: "
            f"`mopa report --study {study} --test-limit N` (or `--test-data SRC`).")


def report(study: StudySettings, top: int = 5,
           tracking_settings: TrackingSettings | None = None, run_missing: bool = False,
           scoring: MetricSettings | None = None, dry_run: bool = False,
           max_cost: float | None = None) -> dict:
    """The ``top`` trials of ``study`` compared on its trials' examples and, if the study holds
    a test selection (or ``study.test_limit``/``test_data`` ask for one), on held-out ones.
    Runs the LM only with ``run_missing``: for the baselines and test re-runs not on disk.
    Scores the study's objectives, the default metrics and ``scoring.metrics`` (with their
    LMs; a metric's LM not given is refused before anything runs); ``judge_usage`` says what
    the judge spent. ``dry_run``: print what the missing runs would cost and stop;
    ``max_cost``: the budget of the missing runs (``mopa.costs.budget``)."""
    tracking_settings = tracking_settings or TrackingSettings()
    client = MlflowClient(tracking.configure(tracking_settings.tracking_uri))
    name = study.study
    loaded = optuna.load_study(study_name=name, storage=open_storage(study.storage, client))
    trials = best_trials(loaded, top)
    if not trials:
        raise ValueError(f"study {name!r} has no completed trial yet; run `mopa tune --study "
                         f"{name}` first")
    settings = _settings(trials[0])
    data = from_args(DataSettings, settings)
    examples = data.examples()
    # Every example any trial ran on helped rank the trials, so none of them may be a test one.
    done = [t for t in loaded.trials if t.state == optuna.trial.TrialState.COMPLETE]
    used = {ex.id for ex in examples}.union(*(RunStore.read(t.user_attrs["run_dir"])
                                              for t in done))
    test = study_test_examples(loaded, data.data, used, study.test_limit, study.test_data,
                               data.seed, examples[0].task)
    study_dir = Path(study.out) / name
    objectives = loaded.user_attrs.get("objectives", [HEADLINE])
    scoring = scoring or MetricSettings()
    scoring = scoring.with_metrics(scored_metrics(objectives, scoring.chosen()))
    metrics, lms = scoring.chosen(), scoring.lms()
    with spending_limit(max_cost):
        missing = provide(needed_runs(trials, examples, study_dir, test), run_missing, name,
                          dry_run)
    if dry_run:
        return {"dry_run": True}
    sections = {"selection": selection_section(trials, examples, study_dir, settings, metrics,
                                               lms),
                "test": test and test_section(trials, *test, study_dir / "test", metrics, lms),
                "missing": missing, **judge_usage(lms)}
    text = "\n\n".join([markdown(sections["selection"]),
                        markdown(sections["test"]) if test else no_test_note(name),
                        *([missing] if missing else [])])
    report_dir = study_dir / "report"
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "best_trials.md").write_text(text + "\n", encoding="utf-8")
    (report_dir / "best_trials.json").write_text(json.dumps(sections, indent=2),
                                                 encoding="utf-8")
    figures = plots(loaded, objectives[0], report_dir, sections["selection"]["rows"])
    parent = loaded.user_attrs.get(PARENT_ATTR)
    if parent:
        tracking.log_artifacts(client, parent, [report_dir / "best_trials.md", *figures])
    print(text)
    print(f"saved to {report_dir}; figures logged to MLflow run {parent}: "
          f"{tracking.ui_command(client.tracking_uri)}")
    return {**sections, "figures": [str(f) for f in figures], "dir": str(report_dir)}
