"""``mopa run``: run a program over a data source, resumably, and score it."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

import dspy
from tqdm import tqdm

from mopa.costs.budget import Allowance, BudgetReached, spending_limit
from mopa.costs.dry_run import dollars, print_report
from mopa.costs.estimate import Estimate, for_run, may_cost, structure
from mopa.data import Example
from mopa.lm import PlainTextAdapter
from mopa.lm.pool import LMPool
from mopa.program_files import load_program, program_hash
from mopa.program_inputs import program_inputs
from mopa.program_models import is_model_uri, load_program_model
from mopa.programs import ProgramChoice, ProgramConfig, build_program, get_preset
from mopa.redaction import redact
from mopa.runs.metering import metered
from mopa.runs.run_tracking import given_uri, tracked_run
from mopa.runs.settings import DataSettings, MetricSettings, RunSettings, TrackingSettings
from mopa.runs.stopping import run_all
from mopa.runs.store import RunStore
from mopa.scoring.registry import Metric
from mopa.scoring.run_scores import output_text, run_metrics
from mopa.settings import recorded


def predict_one(program: dspy.Module, example: Example, settings: RunSettings) -> dict:
    """One example's record; an exception becomes a recorded failure, never a crash."""
    start = time.perf_counter()
    pred, error = None, None
    with metered() as meter:
        try:
            pred = program(**program_inputs(example, settings.k, settings.max_words))
        except Exception as e:
            # Saved in predictions.jsonl: a provider's error can quote the key or the URL.
            error = redact(f"{type(e).__name__}: {e}")
    raw = pred.output if pred is not None else ""
    prediction = output_text(raw, settings.clean)
    if error is None and not prediction.strip():
        # No text is no answer: a failure, so a resume runs the example again (the store
        # counts only error-free records as finished); while it stays empty it scores 0.
        cleaned = " after cleaning" if raw.strip() else ""
        error = f"EmptyOutput: the program's final output is empty{cleaned}"
    return {
        "id": example.id,
        "prediction": prediction,
        "raw_prediction": raw,
        "plans": list(pred.plans) if pred is not None else [],
        "layers": list(pred.layers) if pred is not None else [],
        # Layers that ran (adaptive depth stops early; skipped layers keep the last output).
        "depth": getattr(pred, "depth", None) if pred is not None else None,
        "error": error,
        **meter.as_dict(),
        "seconds": round(time.perf_counter() - start, 3),
    }


def run_examples(program: dspy.Module, examples: list[Example], store: RunStore,
                 settings: RunSettings, desc: str = "run",
                 allowance: Allowance | None = None) -> int:
    """Run the examples not finished in ``store``; each record is saved as soon as it is done.
    With an ``allowance``, an example starts only if the budget admits it; when it refused
    some, ``BudgetReached`` is raised once the examples in flight are saved."""
    done = store.finished_ids()
    pending = [ex for ex in examples if ex.id not in done]
    if not pending:
        return 0
    bar = tqdm(total=len(examples), initial=len(examples) - len(pending), desc=desc,
               unit="ex", disable=not settings.progress)
    calls = [partial(predict_one, program, ex, settings) for ex in pending]
    save = store.append
    if allowance is not None:
        calls = [allowance.gate(call) for call in calls]
        save = partial(allowance.save, save=store.append)
    try:
        # Ctrl-C stops within the LM calls in flight, keeping what finished (see ``stopping``).
        run_all(calls, settings.workers, save, lambda: bar.update(1))
    finally:
        bar.close()
    if allowance is not None and allowance.budget.skipped:
        raise BudgetReached(allowance.budget.message())
    return len(pending)


def run(data: DataSettings, settings: RunSettings, program: ProgramChoice | str | Path,
        out: str | Path = "runs/latest",
        tracking_settings: TrackingSettings | None = None, announce: bool = False,
        scoring: MetricSettings | None = None) -> dict:
    """Run ``program`` (a choice of preset and structure, a compiled program file, or a logged
    MLflow model's ``models:/NAME/VERSION`` or ``runs:/...`` URI) over the examples ``data``
    selects, into ``out``; resumes a run of the same manifest there. With
    ``tracking_settings.tracking_uri``, also one MLflow run (see ``run_tracking``).
    ``announce`` names ``out`` on stderr once the arguments have passed every check (a refused
    command prints its one error line and nothing else). ``scoring``: the metrics and their
    LMs (None: the default metrics); they change no output, so the manifest leaves them out
    and a rerun with other metrics re-scores the finished outputs."""
    scoring = scoring or MetricSettings()
    metric_lms = scoring.lms()  # a metric without its LM: refused before any LM call
    examples = data.examples()
    task = examples[0].task
    lms = settings.lm_pool()
    program_file = None if isinstance(program, ProgramChoice) else str(program)
    if is_model_uri(program_file):
        config, module = load_program_model(program_file, lms, given_uri(tracking_settings))
    elif program_file:
        config, module = load_program(program_file, lms)
        if config.task != task:
            raise ValueError(f"{program_file} was compiled for {config.task}, but {data.data} "
                             f"is {task} data")
    else:
        config = program.config(task, settings.base_model)
        module = build_program(config, lms)
    manifest = {**recorded(data), **recorded(settings), "program_file": program_file,
                "config": config.as_dict(), "program_hash": program_hash(module)}
    if settings.dry_run:
        estimates = [for_run(config, examples, settings, RunStore.finished_for(out, manifest))]
        print_report(estimates, settings.workers)
        return {"dry_run": estimates}
    with RunStore(out, manifest) as store, tracked_run(tracking_settings, "run", config,
                                                       examples, data.data, manifest) as done:
        if announce:
            print(f"mopa run: output directory {out}", file=sys.stderr)
        metrics = execute(module, config, examples, store, lms, settings, scoring.chosen(),
                          metric_lms)
        done(metrics, store)
        return metrics


def execute(module: dspy.Module, config: ProgramConfig, examples: list[Example],
            store: RunStore, lms: LMPool, settings: RunSettings,
            metrics: Sequence[Metric] | None = None,
            metric_lms: Mapping | None = None) -> dict:
    """Run a program built with ``lms`` into a store and write its metrics on ``metrics``
    (None: the default ones; shared by run/tune/compile/report/experiment), scored with the
    LM of each role in ``metric_lms``; predictors it did not pin use ``lms.default``."""
    done = store.finished_ids()
    with spending_limit(settings.max_cost) as budget:
        estimate = None
        if budget is not None or may_cost(config, lms.default_spec):
            estimate = for_run(config, examples, settings, done)
        announce_plan(config, examples, len(done), estimate)
        allowance = None
        if budget is not None:
            budget.count_recorded(store.dir, store.records().values())
            allowance = Allowance(budget, priced(estimate))
        # A program that calls no LM runs without one, so none is loaded for it.
        with dspy.context(lm=lms.default if get_preset(config.preset).needs_lm else None,
                          adapter=PlainTextAdapter()):
            run_examples(module, examples, store, settings, desc=config.preset,
                         allowance=allowance)
    metrics = {"program": config.as_dict(), "lm": lms.default_spec,
               **run_metrics(examples, store.records(), settings.clean, metrics, metric_lms)}
    store.write_metrics(metrics)
    line = events_line(metrics["events"], config.trim)
    if line:  # named as the plan line names it: an experiment's systems differ in more than
        print(f"mopa: {structure(config)}: {line}", file=sys.stderr)  # their preset
    return metrics


def events_line(events: dict[str, int], trimmed: bool = True) -> str:
    """The run's expected events, said once instead of a warning per call ('' when none)."""
    parts = []
    if events.get("truncated"):
        then = "cut back to their last whole sentence" if trimmed else "kept as they ended"
        parts.append(f"{events['truncated']} of {events['lm_calls']} LM calls hit the token "
                     f"budget ({then})")
    if events.get("resampled"):
        parts.append(f"{events['resampled']} short or empty texts were written again")
    return "; ".join(parts)


def announce_plan(config: ProgramConfig, examples: list[Example], finished: int,
                  estimate: Estimate | None) -> None:
    """One line on stderr before a run starts: its LM calls per example and, when it may cost
    money, the dry-run estimate of the examples still to run."""
    if not get_preset(config.preset).needs_lm:
        return
    left = f" ({finished} finished)" if finished else ""
    cost = ""
    if estimate is not None and estimate.examples:
        cost = f"; estimated {dollars(estimate.cost_usd, estimate.unknown)} for " \
               f"{estimate.examples} to run"
    print(f"mopa run: {structure(config)}: {config.lm_calls} LM calls per example x "
          f"{len(examples)} examples{left}{cost}", file=sys.stderr, flush=True)


def priced(estimate: Estimate | None) -> float:
    """The expected cost of one example that a budget can bound (refused when unknown)."""
    if estimate is None or estimate.cost_usd is None:
        unknown = ", ".join(estimate.unknown) if estimate else "this run's LM"
        raise ValueError(f"--max-cost: price unknown for {unknown}, so spending cannot be "
                         "bounded; drop --max-cost, or use an LM with a price in LiteLLM's "
                         "table")
    return estimate.cost_per_example or 0.0
