"""``mopa tune``: search MoPA programs and run settings with Optuna, every trial in MLflow.

A trial suggests a program and its run settings (see ``search_space``), runs it over the
validation subset into ``<out>/<study>/trial-<number>`` and returns the chosen metric(s). One
MLflow parent run per study holds one nested run per trial. ``--test-limit``/``--test-data``
record a test selection in the study, disjoint from the trials' examples (see ``holdout``):
trials never see it, and ``mopa report`` re-scores the best trials on it.

Many workers may share one study (``--storage postgresql://...`` plus an MLflow tracking server;
see ``study`` for how they agree on one parent run). Optuna gives each trial a unique number and
each trial's MLflow run is created by the process that runs it, so each trial is recorded once.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from pathlib import Path

import optuna
from mlflow import MlflowClient

from mopa.costs.budget import BudgetReached, spending_limit
from mopa.costs.dry_run import print_report
from mopa.lm.scoring import require_scorer
from mopa.optimizers.holdout import study_test_examples
from mopa.optimizers.objectives import (
    direction,
    objective_value,
    parse_objectives,
    require_prices,
    scored_metrics,
)
from mopa.optimizers.quiet_stop import quiet_stops
from mopa.optimizers.recovery import close_parent, first_attempt, guarded, sweep, trial_budget
from mopa.optimizers.search_space import SearchSpace, refuse_searched, suggest
from mopa.optimizers.settings import SEARCHED_RUN, StudySettings, TuneSettings
from mopa.optimizers.study import open_storage, open_study
from mopa.optimizers.trial_logging import (
    RUN_PARAMS_ATTR,
    TrialLog,
    log_pending,
    tracking_may_fail,
)
from mopa.optimizers.trial_runs import (
    TrialFinished,
    describe_parent,
    describe_trial,
    log_study_end,
)
from mopa.optimizers.tune_dry_run import planned_trials, trial_estimates
from mopa.program_files import program_hash
from mopa.programs import ProgramOptions, build_program
from mopa.programs.aggregators import get_aggregator
from mopa.redaction import redact
from mopa.runs import tracking
from mopa.runs.runner import execute
from mopa.runs.settings import DataSettings, MetricSettings, RunSettings, TrackingSettings
from mopa.runs.sqlite_files import check_new_store
from mopa.runs.store import RunStore
from mopa.settings import recorded
from mopa.writable import check_writable_dir

log = logging.getLogger(__name__)


def scorable(space: SearchSpace, lm) -> SearchSpace:
    """The space without the aggregators that score drafts with log-probabilities (likelihood,
    contrast) when the aggregator LM cannot give them (every such trial would fail): left out
    of the default space with a warning, refused when ``--aggregators`` asks for them."""
    wanted = [a for a in space.aggregators if get_aggregator(a).scores_with_lm]
    if not wanted:
        return space
    try:
        require_scorer(lm, wanted[0])
        return space
    except ValueError:
        others = tuple(a for a in space.aggregators if a not in wanted)
    if space.aggregators != SearchSpace().aggregators:
        raise ValueError(f"--aggregators {','.join(space.aggregators)}: {' and '.join(wanted)} "
                         f"score drafts with log-probabilities, which {lm.model} cannot give; "
                         "leave them out or pass an --aggregator-lm that can (embedded, fake)")
    log.warning("%s cannot score drafts: the search leaves out %s", lm.model, ", ".join(wanted))
    return replace(space, aggregators=others)


def run_settings_params(settings: RunSettings, exclude: tuple[str, ...] = ()) -> dict:
    """What a manifest and MLflow keep of run settings (the API base without its password)."""
    return redact(recorded(settings, exclude))


class TrialRunner:
    """The Optuna objective: one trial = one program and its run settings over the examples."""

    def __init__(self, space: SearchSpace, options: ProgramOptions, examples: list,
                 names: list[str], study: StudySettings, client: MlflowClient,
                 experiment_id: str, parent_run_id: str, data_params: dict,
                 settings: RunSettings, scoring: MetricSettings, metric_lms: dict):
        self.space, self.options, self.examples, self.names = space, options, examples, names
        self.metrics, self.metric_lms = scoring.chosen(), metric_lms
        self.study_name, self.out = study.study, Path(study.out)
        self.client, self.experiment_id, self.parent_run_id = client, experiment_id, parent_run_id
        # The data selection and the run settings every trial shares (the searched ones are
        # the trial's: see _run).
        self.data_params, self.settings = data_params, settings

    def __call__(self, trial: optuna.Trial) -> float | list[float]:
        mirror = TrialLog(self.client, trial)  # a failing tracking store never fails the trial
        mirror.start(self.experiment_id, self.parent_run_id, self.study_name)
        try:
            values = self._run(trial, mirror)
        except BaseException as e:  # Ctrl-C and SIGTERM too: the run ends KILLED
            trial.set_user_attr("fail_reason", redact(f"{type(e).__name__}: {e}"))
            mirror.call(tracking.stop_run, e)
            raise
        mirror.call(tracking.finish_run)
        return values if len(values) > 1 else values[0]

    def _run(self, trial: optuna.Trial, mirror: TrialLog) -> list[float]:
        config, settings = suggest(trial, self.space, self.examples[0].task, self.options,
                                   self.settings)
        # The trial's own run settings (temperature, k, max_words) are in its MLflow params
        # and its manifest, from which `mopa report` re-runs it and its rag baseline; in its
        # attrs too, from which ``log_pending`` logs it if the tracking store was down.
        run_params = {**self.data_params, **run_settings_params(settings)}
        trial.set_user_attr("config", redact(config.as_dict()))
        trial.set_user_attr(RUN_PARAMS_ATTR, redact(tracking.flatten_params(run_params)))
        mirror.call(tracking.log_params, {**tracking.flatten_config(config.as_dict()),
                                          **run_params})
        # A retry of a lost trial resumes the examples its first attempt finished there.
        run_dir = self.out / self.study_name / f"trial-{first_attempt(trial)}"
        trial.set_user_attr("run_dir", str(run_dir))
        mirror.call(describe_trial, trial.number, config.as_dict(), run_params,
                    self.study_name, self.examples, self.data_params["data"], str(run_dir))
        lms = settings.lm_pool()  # the trial's temperature
        module = build_program(config, lms)
        # replace_stale: the directory is this trial's; a retry whose first attempt died
        # before all its params were drawn is another program, and replaces its records.
        with RunStore(run_dir, {**run_params, "study": self.study_name,
                                "trial": first_attempt(trial), "config": config.as_dict(),
                                "program_hash": program_hash(module)},
                      replace_stale=True) as store:
            metrics = execute(module, config, self.examples, store, lms, settings,
                              self.metrics, self.metric_lms)
        mirror.call(tracking.log_run_metrics, metrics)
        mirror.call(tracking.log_artifacts, [store.predictions_path, store.metrics_path,
                                             store.dir / "run.json"])
        for key in ("final", "layers", "per_example", "failed"):
            trial.set_user_attr(key, metrics[key])
        if metrics["failed"] == metrics["n"]:
            first = next((r["error"] for r in store.records().values() if r.get("error")), None)
            raise RuntimeError(f"all {metrics['n']} examples failed; first error: {first}")
        return [objective_value(metrics, name) for name in self.names]


def summarize(study: optuna.Study, names: list[str]) -> dict:
    states = Counter(t.state.name for t in study.trials)

    def brief(t: optuna.trial.FrozenTrial) -> dict:
        return {"number": t.number, "values": dict(zip(names, t.values, strict=True)),
                "params": t.params, "run_dir": t.user_attrs.get("run_dir"),
                "mlflow_run_id": t.user_attrs.get("mlflow_run_id")}

    result = {"trials": dict(states), "objectives": names}
    failed = [t for t in study.trials if t.state.name == "FAIL" and "fail_reason" in t.user_attrs]
    if failed:  # what a study in which nothing completed says, in one line
        result["first_fail_reason"] = failed[0].user_attrs["fail_reason"]
    if len(names) == 1:
        result["best"] = brief(study.best_trial) if states["COMPLETE"] else None
    else:
        result["pareto_front"] = [brief(t) for t in study.best_trials]
    return result


def report(result: dict) -> None:
    counts = ", ".join(f"{n} {s.lower()}" for s, n in sorted(result["trials"].items()))
    print(f"study {result['study']!r} in {result['storage']}: {counts or 'no trials'}")
    best = [result["best"]] if result.get("best") else result.get("pareto_front", [])
    test = result.get("test_selection")
    if "pareto_front" in result:
        goals = ", ".join(f"{direction(n)} {n}" for n in result["objectives"])
        print(f"Pareto front ({goals}): {len(best)} trials")
    elif not best:
        print("no trial completed: see the fail_reason of the failed trials in MLflow")
    for t in best:
        values = " ".join(f"{k}={v:.4f}" for k, v in t["values"].items())
        params = " ".join(f"{k}={v}" for k, v in t["params"].items())
        print(f"  trial {t['number']}: {values}  [{params}]  run dir {t['run_dir']}")
    if test:
        print(f"held out for `mopa report`: {test['n']} test examples of {test['data']}, "
              "disjoint from the trials' examples; the values above are selection numbers")
    else:
        print("no test selection: the values above are selection numbers (they chose the "
              "winner: optimistic); add --test-limit N or --test-data SRC for held-out ones")
    print(f"compare trials: {result['mlflow_ui']}")


def tune(data: DataSettings, settings: RunSettings, study: StudySettings,
         search: TuneSettings, space: SearchSpace | None = None,
         options: ProgramOptions | None = None,
         tracking_settings: TrackingSettings | None = None,
         scoring: MetricSettings | None = None) -> dict:
    """Run ``search.trials`` more trials of the study (created or resumed), or as many as it
    needs to have ``search.n_total`` complete ones, on the examples ``data`` selects, and return
    its summary. Lost trials of dead workers are retried first (see ``recovery``).

    Each trial builds a program from ``space`` (default: the whole ``SearchSpace``) and runs it
    with its own temperature, k and max_words; the other program ``options`` and ``settings``
    are fixed (the searched ones must keep their defaults: narrow the space instead).
    ``search.objectives`` ("meteor,lm_calls") overrides ``search.metric`` and gives a Pareto
    front instead of a best trial. Several processes may call this on one study. Each trial
    scores the default metrics, the objectives and ``scoring.metrics`` with ``scoring``'s LMs
    (an objective or metric whose LM is not given is refused before the study opens).
    ``study.test_limit``/``test_data`` record the study's held-out test selection (see
    ``holdout``).
    """
    space, options = space or SearchSpace(), options or ProgramOptions()
    refuse_searched(options, settings)
    space = scorable(space, settings.lm_pool().get(options.aggregator_lm))
    tracking_settings = tracking_settings or TrackingSettings()
    names = parse_objectives(search.metric, search.objectives)
    require_prices(names, [settings.lm, options.lm, options.planner_lm, options.aggregator_lm,
                           *space.proposer_lms])
    scoring = scoring or MetricSettings()
    scoring = scoring.with_metrics(scored_metrics(names, scoring.chosen()))
    metric_lms = scoring.lms()
    examples = data.examples()
    if settings.dry_run:  # before the study, MLflow or any directory is opened
        print_report(trial_estimates(space, options, settings, examples,
                                     planned_trials(search.trials, search.n_total), data.seed),
                     settings.workers, "tune")
        return {"dry_run": True}
    # Before the study, its parent run or a trial exist: a refusal now leaves nothing behind.
    check_writable_dir(Path(study.out) / study.study, "--out")
    check_new_store(study.storage, "--storage")
    check_new_store(tracking_settings.tracking_uri, "--tracking-uri")
    client = MlflowClient(tracking.configure(tracking_settings.tracking_uri))
    # The searched run settings are each trial's (its params), not the study's.
    parent_params = {"study": study.study, "storage": redact(study.storage),
                     "objectives": names, "out": study.out, "test_limit": study.test_limit,
                     "test_data": study.test_data, **recorded(data),
                     **run_settings_params(settings, exclude=SEARCHED_RUN),
                     **{f"space_{key}": value for key, value in space.as_dict().items()}}
    optuna_storage = open_storage(study.storage, client)
    directions = [direction(n) for n in names]
    optuna_study, parent, experiment_id = open_study(
        optuna_storage, study.storage, study.study, names, directions, client,
        tracking_settings.experiment or "mopa-tune", parent_params, search.parent_timeout)
    try:
        test = study_test_examples(optuna_study, data.data, {ex.id for ex in examples},
                                   study.test_limit, study.test_data, data.seed,
                                   examples[0].task)
    except ValueError:
        tracking.finish_run(client, parent)  # the study is fine; only these flags are refused
        raise
    runner = TrialRunner(space, options, examples, names, study, client, experiment_id, parent,
                         recorded(data), settings, scoring, metric_lms)
    describe_parent(client, parent, study.study, names, directions, examples, data.data)
    sweep(optuna_study, client)  # trials of dead workers: FAIL, MLflow FAILED, queued again
    # Runs an earlier tracking-store failure left unlogged or RUNNING.
    log_pending(optuna_study, client, experiment_id, parent, names, examples, data.data)
    n_trials, stop_at_total = trial_budget(optuna_study, search.trials, search.n_total)
    try:
        with spending_limit(settings.max_cost) as budget, quiet_stops():
            optuna_study.optimize(guarded(runner), n_trials=n_trials, timeout=search.timeout,
                                  catch=(Exception,), callbacks=[
                                      TrialFinished(client, parent, study.study, names),
                                      *stop_at_total])
    except KeyboardInterrupt:
        with tracking_may_fail(client):
            close_parent(optuna_study, client, parent, interrupted=True)
        raise
    if budget is not None and budget.skipped:  # the stopped trial is queued for the rerun
        with tracking_may_fail(client):
            close_parent(optuna_study, client, parent)
        raise BudgetReached(budget.message())
    log_pending(optuna_study, client, experiment_id, parent, names, examples, data.data)

    result = {"study": study.study, "storage": redact(study.storage),
              **summarize(optuna_study, names), "experiment_id": experiment_id,
              "parent_run_id": parent, "tracking_uri": redact(client.tracking_uri),
              "mlflow_ui": tracking.ui_command(client.tracking_uri),
              "test_selection": test and {**{k: v for k, v in test[0].items() if k != "ids"},
                                          "n": len(test[1])}}
    with tracking_may_fail(client):  # the study's results are in Optuna: print them anyway
        log_study_end(client, parent, optuna_study, study.study, names, result)
        close_parent(optuna_study, client, parent)  # unless another worker's trial still runs
    report(result)
    return result
