"""``mopa tune``: search MoPA program structures with Optuna, every trial tracked in MLflow.

A trial suggests a structure (see ``search_space``), runs it over the validation subset into
``<out>/<study>/trial-<number>`` and returns the chosen metric(s). One MLflow parent run per study
holds one nested run per trial. ``--test-limit``/``--test-data`` record a test selection in the
study, disjoint from the trials' examples (see ``holdout``): trials never see it, and
``mopa report`` re-scores the best trials on it.

Many workers may share one study (``--storage postgresql://...`` plus an MLflow tracking server;
see ``study`` for how they agree on one parent run). Optuna gives each trial a unique number and
each trial's MLflow run is created by the process that runs it, so each trial is recorded once.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path

import optuna
from mlflow import MlflowClient

from mopa import tracking
from mopa.data import SELECTIONS, load, select
from mopa.lm.pool import LMPool
from mopa.metrics import METRICS, SCORE_KEYS  # METRICS are maximized
from mopa.optimizers.holdout import study_test_examples
from mopa.optimizers.search_space import SearchSpace, space_from_flags, suggest
from mopa.optimizers.study import open_storage, open_study
from mopa.program_io import program_hash
from mopa.programs import build_program
from mopa.run_scores import COSTS  # per example, minimized
from mopa.run_store import RunStore
from mopa.runner import execute

log = logging.getLogger(__name__)


def parse_objectives(metric: str, objectives: str | list[str] | None) -> list[str]:
    """``objectives`` (e.g. "meteor,lm_calls") wins over ``metric``; each name is checked."""
    names = ([n.strip() for n in objectives.split(",") if n.strip()]
             if isinstance(objectives, str) else list(objectives or [metric]))
    unknown = [n for n in names if n not in METRICS + COSTS]
    if not names or unknown or len(set(names)) != len(names):
        raise ValueError(f"objectives: expected distinct names from {', '.join(METRICS)} "
                         f"(maximized) and {', '.join(COSTS)} (minimized, per example), e.g. "
                         f"meteor,lm_calls; got {objectives if objectives else metric!r}")
    return names


def objective_value(metrics: dict, name: str) -> float:
    if name == "mean":
        return sum(metrics["final"][m] for m in SCORE_KEYS) / len(SCORE_KEYS)
    if name in COSTS:
        return float(metrics["per_example"][name])
    return float(metrics["final"][name])


class TrialRunner:
    """The Optuna objective: one trial = one program structure run over the examples."""

    def __init__(self, space: SearchSpace, examples: list, names: list[str], study_name: str,
                 out: Path, client: MlflowClient, experiment_id: str, parent_run_id: str,
                 run_params: dict, manifest: dict, exec_kwargs: dict):
        self.space, self.examples, self.names = space, examples, names
        self.study_name, self.out = study_name, out
        self.client, self.experiment_id, self.parent_run_id = client, experiment_id, parent_run_id
        self.run_params, self.manifest, self.exec_kwargs = run_params, manifest, exec_kwargs

    def __call__(self, trial: optuna.Trial) -> float | list[float]:
        run_id = tracking.start_run(self.client, self.experiment_id, f"trial-{trial.number}",
                                    parent_run_id=self.parent_run_id,
                                    tags={"optuna.trial_number": trial.number,
                                          "optuna.study_name": self.study_name})
        trial.set_user_attr("mlflow_run_id", run_id)
        try:
            values = self._run(trial, run_id)
        except BaseException as e:  # Ctrl-C too: Optuna marks the trial FAIL, so must MLflow
            reason = f"{type(e).__name__}: {e}"
            trial.set_user_attr("fail_reason", reason)
            try:
                tracking.fail_run(self.client, run_id, reason)
            except Exception as mlflow_error:  # keep the trial's own error as the one raised
                log.warning("could not mark MLflow run %s FAILED: %s", run_id, mlflow_error)
            raise
        tracking.finish_run(self.client, run_id)
        return values if len(values) > 1 else values[0]

    def _run(self, trial: optuna.Trial, run_id: str) -> list[float]:
        config = suggest(trial, self.space, self.examples[0].task)
        trial.set_user_attr("config", config.as_dict())
        tracking.log_params(self.client, run_id,
                            {**tracking.flatten_config(config.as_dict()), **self.run_params})
        run_dir = self.out / self.study_name / f"trial-{trial.number}"
        trial.set_user_attr("run_dir", str(run_dir))
        module = build_program(config, self.exec_kwargs["lms"])
        with RunStore(run_dir, {**self.manifest, "study": self.study_name,
                                "trial": trial.number, "config": config.as_dict(),
                                "program_hash": program_hash(module)}) as store:
            metrics = execute(module, config, self.examples, store, **self.exec_kwargs)
        tracking.log_run_metrics(self.client, run_id, metrics)
        tracking.log_artifacts(self.client, run_id, [store.predictions_path, store.metrics_path,
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
        goals = ", ".join(f"{'minimize' if n in COSTS else 'maximize'} {n}"
                          for n in result["objectives"])
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


def tune(data: str, study: str = "mopa", storage: str = "sqlite:///optuna.db", trials: int = 10,
         metric: str = "meteor", objectives: str | None = None, limit: int | None = 20,
         selection: str = "first", seed: int = 0, lm: str = "embedded",
         api_base: str | None = None, temperature: float = 0.7, max_tokens: int = 256,
         workers: int = 1, k: int = 4, max_words: int = 100, clean: bool = True,
         tracking_uri: str | None = None, experiment: str = "mopa-tune", out: str = "runs/tune",
         presets: str | None = None, agents: str | None = None, layers: str | None = None,
         roles: str | None = None, proposer_lms: str | None = None,
         aggregator_temperature: str | None = None, timeout: float | None = None,
         parent_timeout: float = 60.0, progress: bool = True, test_limit: int | None = None,
         test_data: str | None = None) -> dict:
    """Run ``trials`` more trials of the study (created or resumed) and return its summary.

    Space flags (``presets`` ... ``aggregator_temperature``) narrow ``SearchSpace``; ``None``
    keeps its default. ``objectives`` ("meteor,lm_calls") overrides ``metric`` and gives a
    Pareto front instead of a best trial. Several processes may call this on one study.
    ``test_limit``/``test_data`` record the study's held-out test selection (see ``holdout``).
    """
    names = parse_objectives(metric, objectives)
    space = space_from_flags(presets, agents, layers, roles, proposer_lms, aggregator_temperature)
    if trials < 0:
        raise ValueError(f"--trials must be >= 0, got {trials}")
    examples = select(load(data), limit, how=selection, seed=seed)
    if not examples:
        raise ValueError(f"{data}: no examples selected (limit={limit})")
    client = MlflowClient(tracking.configure(tracking_uri))
    run_params = {"lm": lm, "api_base": tracking.redact_url(api_base), "data": data,
                  "limit": limit, "selection": selection, "seed": seed, "k": k,
                  "max_words": max_words, "clean": clean, "temperature": temperature,
                  "max_tokens": max_tokens}
    parent_params = {"study": study, "storage": tracking.redact_url(storage),
                     "objectives": names, "out": out, "test_limit": test_limit,
                     "test_data": test_data, **run_params,
                     **{f"space_{key}": value for key, value in space.as_dict().items()}}
    optuna_storage = open_storage(storage, client)
    directions = ["minimize" if n in COSTS else "maximize" for n in names]
    optuna_study, parent, experiment_id = open_study(
        optuna_storage, storage, study, names, directions, client, experiment, parent_params,
        parent_timeout)
    try:
        test = study_test_examples(optuna_study, data, {ex.id for ex in examples}, test_limit,
                                   test_data, seed, examples[0].task)
    except ValueError:
        tracking.finish_run(client, parent)  # the study is fine; only these flags are refused
        raise
    runner = TrialRunner(
        space, examples, names, study, Path(out), client, experiment_id, parent, run_params,
        manifest=run_params,
        exec_kwargs={"lms": LMPool(lm, temperature, max_tokens, api_base), "workers": workers,
                     "k": k, "max_words": max_words, "clean": clean, "progress": progress})
    optuna_study.optimize(runner, n_trials=trials, timeout=timeout, catch=(Exception,))

    result = {"study": study, "storage": tracking.redact_url(storage),
              **summarize(optuna_study, names), "experiment_id": experiment_id,
              "parent_run_id": parent, "tracking_uri": tracking.redact_url(client.tracking_uri),
              "mlflow_ui": tracking.ui_command(client.tracking_uri),
              "test_selection": test and {**{k: v for k, v in test[0].items() if k != "ids"},
                                          "n": len(test[1])}}
    complete = result["trials"].get("COMPLETE", 0)
    summary = {"complete_trials": complete, "failed_trials": result["trials"].get("FAIL", 0)}
    if result.get("best"):
        summary[f"best_{names[0]}"] = result["best"]["values"][names[0]]
        tracking.set_tags(client, parent, {"best_trial": result["best"]["number"]})
    if "pareto_front" in result:
        tracking.set_tags(client, parent, {"pareto_front": ",".join(
            str(t["number"]) for t in result["pareto_front"])})
    tracking.log_metrics(client, parent, summary, step=complete)
    tracking.finish_run(client, parent)
    report(result)
    return result


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The ``mopa tune`` flags; each maps one-to-one to a keyword of ``tune``."""
    a = parser.add_argument
    a("--data", required=True, help="validation data: a .jsonl/.json path, "
      "longlamp:<config>[:<split>], or demo:<task>")
    a("--study", default="mopa", help="Optuna study name (rerun to resume it)")
    a("--storage", default="sqlite:///optuna.db", help="Optuna storage: sqlite:///optuna.db, "
      "postgresql://user:password@host/db (many workers), or a journal file ending in .log")
    a("--trials", type=int, default=10, help="trials this process runs")
    a("--metric", default="meteor", choices=METRICS, help="metric to maximize")
    a("--objectives", help="several objectives, overriding --metric, e.g. meteor,lm_calls "
      f"(maximize metrics, minimize {', '.join(COSTS)} per example): a Pareto front")
    a("--limit", type=int, default=20, help="validation examples per trial")
    a("--selection", default="first", choices=SELECTIONS)
    a("--seed", type=int, default=0, help="seed of --selection random and of the test draw")
    a("--test-limit", type=int, help="hold out N seeded random examples of --data, disjoint "
      "from the trials' ones, for `mopa report` (recorded in the study)")
    a("--test-data", help="hold out this source's examples (all, or --test-limit of them) "
      "for `mopa report`; ids the trials use are dropped")
    a("--lm", default="embedded", help="default LM spec: embedded, fake, or a LiteLLM model")
    a("--api-base", help="OpenAI-compatible server URL; keys come from the environment only")
    a("--temperature", type=float, default=0.7)
    a("--max-tokens", type=int, default=256)
    a("--workers", type=int, default=1, help="examples run concurrently within a trial")
    a("--k", type=int, default=4, help="BM25 top-k profile items")
    a("--max-words", type=int, default=100, help="cut each profile item to N words")
    a("--no-clean", dest="clean", action="store_false", help="score raw outputs")
    a("--tracking-uri", help="MLflow tracking URI (default: MLflow's, sqlite:///mlflow.db)")
    a("--experiment", default="mopa-tune", help="MLflow experiment of a new study")
    a("--out", default="runs/tune", help="trial runs go to OUT/STUDY/trial-N")
    a("--presets", help="comma-separated MoPA presets to search (default: all but the -md "
      "ones, which join when --proposer-lms is given)")
    a("--agents", help="agents per layer: N or LOW-HIGH (default 1-10)")
    a("--layers", help="layers: N or LOW-HIGH (default 1-5)")
    a("--roles", help="role pool per agent slot: content,analysis,usefulness,style,none")
    a("--proposer-lms", help="LM specs for the -md presets and custom, e.g. fake,fake@0.2")
    a("--aggregator-temperature", help="T, LOW-HIGH (default 0.0-1.0), or none (not tuned)")
    a("--timeout", type=float, help="stop starting trials after this many seconds")
    a("--parent-timeout", type=float, default=60.0,
      help="seconds a joining worker waits for the study's MLflow parent run")
    a("--no-progress", dest="progress", action="store_false")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(
        prog="mopa tune", description="Search MoPA program structures with Optuna + MLflow."))
    try:
        tune(**vars(parser.parse_args(argv)))
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        print(f"mopa tune: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
