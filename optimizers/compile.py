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
from dataclasses import asdict
from pathlib import Path

import dspy

from mopa.costs.budget import spending_limit
from mopa.costs.dry_run import print_report
from mopa.data import load, select
from mopa.lm import PlainTextAdapter
from mopa.lm.pool import LMPool
from mopa.optimizers.compile_dry_run import compile_estimates
from mopa.optimizers.compile_runs import CompileRun
from mopa.optimizers.compile_scores import score_test, section, selection_about
from mopa.optimizers.feedback import feedback_metric, optimizer_metric
from mopa.optimizers.holdout import draw_test
from mopa.optimizers.settings import OptimizerSettings, SplitSettings
from mopa.program_files import program_hash, rebuild, save_program
from mopa.program_inputs import to_dspy
from mopa.programs import ProgramChoice, build_program, get_preset
from mopa.runs.outcome import refuse_all_failed
from mopa.runs.runner import execute
from mopa.runs.settings import DataSettings, RunSettings, TrackingSettings
from mopa.runs.store import RunStore
from mopa.settings import recorded, to_argv


def split_examples(data: DataSettings, split: SplitSettings) -> tuple[list, list, list]:
    """Disjoint train/val lists (from two sources, or a seeded shuffle of the examples ``data``
    selects), and the test examples asked for by ``split.test``/``split.test_data``, disjoint
    by id from both (see ``holdout``)."""
    train, val = split.train, split.val
    if split.val_data:
        train_ex, val_ex = data.examples()[:train], select(load(split.val_data), val)
    else:
        examples = data.examples()
        if train + val > len(examples):
            raise ValueError(f"{data.data} has {len(examples)} examples, fewer than --train "
                             f"{train} + --val {val}; lower them or pass --val-data")
        order = list(range(len(examples)))
        random.Random(data.seed).shuffle(order)
        train_ex = [examples[i] for i in order[:train]]
        val_ex = [examples[i] for i in order[train:train + val]]
    if split.test is None and split.test_data is None:
        return train_ex, val_ex, []
    used = {ex.id for ex in train_ex + val_ex}
    return train_ex, val_ex, draw_test(data.data, used, split.test, split.test_data, data.seed,
                                       train_ex[0].task, size_flag="--test")


def make_optimizer(knobs: OptimizerSettings, lms: LMPool, workers: int, seed: int):
    score = optimizer_metric(knobs.metric)
    if knobs.optimizer == "bootstrap":
        return dspy.BootstrapFewShot(metric=score, max_bootstrapped_demos=knobs.max_demos,
                                     max_labeled_demos=knobs.max_demos)
    if knobs.optimizer == "mipro":
        return dspy.MIPROv2(metric=score, prompt_model=lms.get(knobs.prompt_lm),
                            task_model=lms.default, auto=knobs.mipro_auto,
                            max_bootstrapped_demos=knobs.max_demos,
                            max_labeled_demos=knobs.max_demos,
                            num_threads=workers, seed=seed, verbose=False)
    if knobs.optimizer == "copro":
        return dspy.COPRO(prompt_model=lms.get(knobs.prompt_lm), metric=score,
                          breadth=knobs.copro_breadth, depth=knobs.copro_depth)
    # OptimizerSettings admits no other name, so what is left is GEPA.
    return dspy.GEPA(metric=feedback_metric(knobs.metric),
                     reflection_lm=lms.get(knobs.reflection_lm),
                     max_metric_calls=knobs.gepa_calls, num_threads=workers, seed=seed)


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


def compile_program(data: DataSettings, split: SplitSettings, settings: RunSettings,
                    program: ProgramChoice, optimizer: OptimizerSettings,
                    out: str | Path = "program.json",
                    tracking_settings: TrackingSettings | None = None,
                    traces: bool = False, register: str | None = None) -> dict:
    """Compile, score before/after, save ``out``; one MLflow run holds it all and the compiled
    program as a model (registered as ``register`` when given; see ``compile_runs``)."""
    tracking_settings = tracking_settings or TrackingSettings()
    run = CompileRun(tracking_settings.tracking_uri,
                     tracking_settings.experiment or "mopa-compile")
    try:
        # The budget gates the evaluation runs; the optimizer's own calls are DSPy's.
        with spending_limit(settings.max_cost):
            return _compile(data, split, settings, program, optimizer, out, run, traces,
                            register)
    except BaseException as e:  # Ctrl-C too: the run must not stay RUNNING
        run.fail(e)
        raise


def _compile(data: DataSettings, split: SplitSettings, settings: RunSettings,
             program: ProgramChoice, optimizer: OptimizerSettings, out: str | Path,
             run: CompileRun, traces: bool, register: str | None) -> dict:
    train_ex, val_ex, test_ex = split_examples(data, split)
    config = program.config(train_ex[0].task, settings.base_model)
    if not get_preset(config.preset).needs_lm:
        raise ValueError(f"{config.preset} calls no LM, so it has no prompts to compile; pick "
                         "an LM program")
    # Every LM spec is built before the MLflow run starts or a file is written, so a bad one
    # is refused with nothing left behind.
    lms = settings.lm_pool()
    student = build_program(config, lms)
    for spec in (optimizer.prompt_lm, optimizer.reflection_lm):
        lms.get(spec)
    eval_dir = Path(out).parent / f"{Path(out).stem}-eval"
    manifest = {**recorded(data), **recorded(split), **recorded(settings),
                "config": config.as_dict()}
    if settings.dry_run:  # before the MLflow run starts or anything is written
        print_report(compile_estimates(config, optimizer.optimizer, train_ex, val_ex, test_ex,
                                       settings, eval_dir, manifest), settings.workers,
                     "compile")
        return {"dry_run": True}
    run.start(config, optimizer, settings, data.data, train_ex, val_ex, split.val_data)
    # Both evaluation stores are derived from this compile, like the --out file it overwrites:
    # a store left by a compile with other settings is replaced, not refused. (Naming the eval
    # directory after the knobs instead would still reuse stale records when a rerun with the
    # same knobs compiles another program, e.g. with a sampling LM.) The uncompiled student's
    # hash keeps "before" valid across reruns that change only the optimizer's knobs.
    with RunStore(eval_dir / "before", {**manifest, "program_hash": program_hash(student)},
                  replace_stale=True) as store:
        before = execute(student, config, val_ex, store, lms, settings)
    # An LM that fails every example would fail the optimizer's calls too: stop before them.
    refuse_all_failed(before, eval_dir / "before", "the uncompiled program on the val split")

    opt = make_optimizer(optimizer, lms, settings.workers, data.seed)
    # Autologging registers a DSPy callback globally, so it must start before the context.
    with run.traced(traces), \
            dspy.context(lm=lms.default, adapter=PlainTextAdapter()):
        compiled = run_optimizer(opt, optimizer.optimizer, student,
                                 to_dspy(train_ex, settings.k, settings.max_words),
                                 to_dspy(val_ex, settings.k, settings.max_words),
                                 settings.workers)
    compiled = rebuild(compiled, config, lms)  # optimizers may reset the student's LMs

    after_manifest = {**manifest, "program_hash": program_hash(compiled),
                      "optimizer": asdict(optimizer)}
    with RunStore(eval_dir / "after", after_manifest, replace_stale=True) as store:
        execute(compiled, config, val_ex, store, lms, settings)
    test_flags = {"test": split.test, "test_data": split.test_data}
    result = {
        "optimizer": optimizer.optimizer, "metric": optimizer.metric,
        "program": config.as_dict(), "train": len(train_ex), "val": len(val_ex),
        "selection": section(selection_about(optimizer.optimizer), val_ex, eval_dir / "before",
                             eval_dir / "after", settings.clean),
        "test": score_test(build_program(config, lms), compiled, config, test_ex,
                           eval_dir / "test",
                           ({**manifest, **test_flags}, {**after_manifest, **test_flags}),
                           lms, settings) if test_ex else None,
        "program_file": str(out), "eval_dir": str(eval_dir),
        "command": compile_argv(data, split, settings, program, optimizer, out),
    }
    save_program(compiled, config, out, extra={"compile": result})
    result.update(run.finish(result, compiled, config, register))
    return result


def compile_argv(data: DataSettings, split: SplitSettings, settings: RunSettings,
                 program: ProgramChoice, optimizer: OptimizerSettings,
                 out: str | Path) -> list[str]:
    """The ``mopa compile`` command that reproduces this compile (what results tables print)."""
    return ["mopa", "compile",
            *to_argv(DataSettings, recorded(data), exclude=("limit", "selection")),
            *to_argv(SplitSettings, {**recorded(split), "test": split.test,
                                     "test_data": split.test_data}),
            *to_argv(ProgramChoice, recorded(program)),
            *to_argv(OptimizerSettings, recorded(optimizer)),
            *to_argv(RunSettings, recorded(settings)), "--program-file", str(out)]
