"""``mopa compile``: optimize a program's prompts with a DSPy optimizer, score it before and after.

The training examples drive the optimizer; the validation examples (disjoint) are run through
the same resumable runner as ``mopa run``, before and after, so the two scores are comparable
example by example and the paired bootstrap says whether the change is more than noise.
They live in ``<out stem>-eval/{before,after}``; a rerun with the same ``--out`` resumes them
only when they hold the same program (``program_hash``), settings and optimizer knobs, and
otherwise scores afresh. MIPROv2 and GEPA choose the program on the validation examples, so
the result calls them "selection"; ``--test N``/``--test-data`` also score both programs on
"test" examples disjoint from train and val, in ``-eval/test`` (see ``compile_scores``).
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from pathlib import Path

import dspy

from mopa.data import load, select
from mopa.inputs import to_dspy
from mopa.lm.pool import LMPool
from mopa.metrics import METRICS, SCORE_KEYS
from mopa.optimizers.compile_scores import score_test, section, selection_about
from mopa.optimizers.feedback import feedback_metric, optimizer_metric
from mopa.optimizers.holdout import draw_test
from mopa.program_io import program_hash, rebuild, save_program
from mopa.programs import build_program, make_config
from mopa.run_store import RunStore
from mopa.runner import execute

OPTIMIZERS = ("bootstrap", "mipro", "copro", "gepa")


def split_examples(data: str, train: int, val: int, val_data: str | None = None,
                   seed: int = 0, test: int | None = None,
                   test_data: str | None = None) -> tuple[list, list, list]:
    """Disjoint train/val lists (from two sources, or a seeded shuffle of one), and the test
    examples asked for by ``test``/``test_data``, disjoint by id from both (see ``holdout``)."""
    if val_data:
        train_ex, val_ex = select(load(data), train), select(load(val_data), val)
    else:
        examples = load(data)
        if train + val > len(examples):
            raise ValueError(f"{data} has {len(examples)} examples, fewer than --train {train} "
                             f"+ --val {val}; lower them or pass --val-data")
        order = list(range(len(examples)))
        random.Random(seed).shuffle(order)
        train_ex = [examples[i] for i in order[:train]]
        val_ex = [examples[i] for i in order[train:train + val]]
    if test is None and test_data is None:
        return train_ex, val_ex, []
    used = {ex.id for ex in train_ex + val_ex}
    return train_ex, val_ex, draw_test(data, used, test, test_data, seed, train_ex[0].task,
                                       size_flag="--test")


def make_optimizer(optimizer: str, metric: str, task_lm: dspy.LM, prompt_lm: dspy.LM,
                   reflection_lm: dspy.LM,
                   max_demos: int, gepa_calls: int, copro_breadth: int, copro_depth: int,
                   mipro_auto: str, workers: int, seed: int):
    score = optimizer_metric(metric)
    if optimizer == "bootstrap":
        return dspy.BootstrapFewShot(metric=score, max_bootstrapped_demos=max_demos,
                                     max_labeled_demos=max_demos)
    if optimizer == "mipro":
        return dspy.MIPROv2(metric=score, prompt_model=prompt_lm, task_model=task_lm,
                            auto=mipro_auto,
                            max_bootstrapped_demos=max_demos, max_labeled_demos=max_demos,
                            num_threads=workers, seed=seed, verbose=False)
    if optimizer == "copro":
        return dspy.COPRO(prompt_model=prompt_lm, metric=score, breadth=copro_breadth,
                          depth=copro_depth)
    if optimizer == "gepa":
        return dspy.GEPA(metric=feedback_metric(metric), reflection_lm=reflection_lm,
                         max_metric_calls=gepa_calls, num_threads=workers, seed=seed)
    raise ValueError(f"unknown optimizer {optimizer!r}; expected one of: {', '.join(OPTIMIZERS)}")


def run_optimizer(opt, optimizer: str, student: dspy.Module, trainset: list, valset: list,
                  workers: int) -> dspy.Module:
    if optimizer == "bootstrap":
        return opt.compile(student, trainset=trainset)
    if optimizer == "mipro":
        return opt.compile(student, trainset=trainset, valset=valset,
                           minibatch=len(valset) > 35)
    if optimizer == "copro":
        return opt.compile(student, trainset=trainset,
                           eval_kwargs={"num_threads": workers, "display_progress": False})
    return opt.compile(student, trainset=trainset, valset=valset)


def compile_program(data: str, program: str = "planpers", optimizer: str = "bootstrap",
                    metric: str = "meteor", train: int = 8, val: int = 8,
                    val_data: str | None = None, test: int | None = None,
                    test_data: str | None = None, agents: int = 2, layers: int = 1,
                    roles: str | None = None, rag_agents: int | None = None,
                    lm: str = "embedded", proposer_lms: str | None = None,
                    planner_lm: str | None = None, aggregator_lm: str | None = None,
                    aggregator_temperature: float | None = None, prompt_lm: str | None = None,
                    reflection_lm: str | None = None, api_base: str | None = None,
                    temperature: float = 0.7, max_tokens: int = 256, max_demos: int = 2,
                    gepa_calls: int = 60, copro_breadth: int = 3, copro_depth: int = 1,
                    mipro_auto: str = "light", k: int = 4, max_words: int = 100,
                    clean: bool = True, workers: int = 1, seed: int = 0,
                    out: str = "program.json", tracking_uri: str | None = None,
                    experiment: str = "mopa-compile", traces: bool = False,
                    progress: bool = True) -> dict:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of: {', '.join(METRICS)}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; expected one of: "
                         f"{', '.join(OPTIMIZERS)}")
    train_ex, val_ex, test_ex = split_examples(data, train, val, val_data, seed, test,
                                               test_data)
    task = train_ex[0].task
    config = make_config(program, task=task, agents=agents, layers=layers, roles=roles,
                         proposer_lms=proposer_lms, rag_agents=rag_agents,
                         planner_lm=planner_lm, aggregator_lm=aggregator_lm,
                         aggregator_temperature=aggregator_temperature)
    if config.preset == "copy-latest":
        raise ValueError("copy-latest has no prompts to compile; pick an LM program")
    eval_dir = Path(out).parent / f"{Path(out).stem}-eval"
    lm_args = {"lm": lm, "temperature": temperature, "max_tokens": max_tokens,
               "api_base": api_base, "workers": workers, "k": k, "max_words": max_words,
               "clean": clean, "progress": progress}
    manifest = {"data": data, "val_data": val_data, "train": train, "val": val, "seed": seed,
                "config": config.as_dict(), **{k_: v for k_, v in lm_args.items()
                                               if k_ not in ("workers", "progress")}}
    lms = LMPool(default=lm, temperature=temperature, max_tokens=max_tokens, api_base=api_base)
    exec_args = {"lms": lms, "workers": workers, "k": k, "max_words": max_words, "clean": clean,
                 "progress": progress}

    student = build_program(config, lms)
    # Both evaluation stores are derived from this compile, like the --out file it overwrites:
    # a store left by a compile with other settings is replaced, not refused. (Naming the eval
    # directory after the knobs instead would still reuse stale records when a rerun with the
    # same knobs compiles another program, e.g. with a sampling LM.) The uncompiled student's
    # hash keeps "before" valid across reruns that change only the optimizer's knobs.
    with RunStore(eval_dir / "before", {**manifest, "program_hash": program_hash(student)},
                  replace_stale=True) as store:
        execute(student, config, val_ex, store, **exec_args)

    from mopa.lm import PlainTextAdapter

    opt = make_optimizer(optimizer, metric, lms.default, lms.get(prompt_lm),
                         lms.get(reflection_lm),
                         max_demos, gepa_calls, copro_breadth, copro_depth, mipro_auto,
                         workers, seed)
    # Autologging registers a DSPy callback globally, so it must start before the context.
    with _traced(traces, tracking_uri, experiment), \
            dspy.context(lm=lms.default, adapter=PlainTextAdapter()):
        compiled = run_optimizer(opt, optimizer, student, to_dspy(train_ex, k, max_words),
                                 to_dspy(val_ex, k, max_words), workers)
    compiled = rebuild(compiled, config, lms)  # optimizers may reset the student's LMs

    after_manifest = {**manifest, "program_hash": program_hash(compiled), "optimizer": {
        "name": optimizer, "metric": metric, "max_demos": max_demos, "gepa_calls": gepa_calls,
        "copro_breadth": copro_breadth, "copro_depth": copro_depth, "mipro_auto": mipro_auto,
        "prompt_lm": prompt_lm, "reflection_lm": reflection_lm}}
    with RunStore(eval_dir / "after", after_manifest, replace_stale=True) as store:
        execute(compiled, config, val_ex, store, **exec_args)
    test_flags = {"test": test, "test_data": test_data}
    result = {
        "optimizer": optimizer, "metric": metric, "program": config.as_dict(),
        "train": len(train_ex), "val": len(val_ex),
        "selection": section(selection_about(optimizer), val_ex, eval_dir / "before",
                             eval_dir / "after", clean),
        "test": score_test(build_program(config, lms), compiled, config, test_ex,
                           eval_dir / "test",
                           ({**manifest, **test_flags}, {**after_manifest, **test_flags}),
                           exec_args) if test_ex else None,
        "program_file": str(out), "eval_dir": str(eval_dir),
    }
    save_program(compiled, config, out, extra={"compile": result})
    result["mlflow_run_id"] = _log_to_mlflow(result, lm_args, prompt_lm, reflection_lm,
                                             tracking_uri, experiment)
    return result


@contextmanager
def _traced(enabled: bool, tracking_uri: str | None, experiment: str):
    """With ``--traces``: MLflow's DSPy autologging records the optimizer's own runs and the
    traces of every program call it makes."""
    if not enabled:
        yield
        return
    import mlflow

    from mopa import tracking

    tracking.configure(tracking_uri)
    mlflow.set_experiment(experiment)
    mlflow.dspy.autolog(log_traces=True, log_traces_from_compile=True, log_compiles=True,
                        silent=True)
    try:
        yield
    finally:
        mlflow.flush_trace_async_logging()
        mlflow.dspy.autolog(disable=True)


def _log_to_mlflow(result: dict, lm_args: dict, prompt_lm: str | None,
                   reflection_lm: str | None, tracking_uri: str | None, experiment: str) -> str:
    """One MLflow run per compile: params, before/after metrics, the program JSON."""
    from mlflow import MlflowClient

    from mopa import tracking

    client = MlflowClient(tracking.configure(tracking_uri))
    experiment_id = tracking.get_or_create_experiment(client, experiment)
    params = {"optimizer": result["optimizer"], "metric": result["metric"],
              "train": result["train"], "val": result["val"],
              "test": result["test"]["n"] if result["test"] else 0, "lm": lm_args["lm"],
              "api_base": tracking.redact_url(lm_args["api_base"]), "prompt_lm": prompt_lm,
              "reflection_lm": reflection_lm, **tracking.flatten_config(result["program"])}
    run_id = tracking.start_run(client, experiment_id,
                                f"compile-{result['optimizer']}-{result['program']['preset']}",
                                params=params)
    tracking.log_metrics(client, run_id, {f"{name}_{when}_{m}": result[name][when][m]
                                          for name in ("selection", "test") if result[name]
                                          for when in ("before", "after", "copy_latest")
                                          for m in SCORE_KEYS})
    tracking.log_artifacts(client, run_id, [result["program_file"]])
    tracking.finish_run(client, run_id)
    return run_id
