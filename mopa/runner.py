"""``mopa run``: run a program over a data source, resumably, and score it."""

from __future__ import annotations

import contextvars
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import dspy
from tqdm import tqdm

from mopa.data import Example, load, select
from mopa.inputs import program_inputs
from mopa.lm import PlainTextAdapter
from mopa.lm.pool import LMPool
from mopa.program_io import load_program, program_hash
from mopa.programs import ProgramConfig, build_program, make_config
from mopa.run_scores import output_text, run_metrics
from mopa.run_store import RunStore
from mopa.usage import metered


def predict_one(program: dspy.Module, example: Example, k: int = 4,
                max_words: int | None = 100, clean: bool = True) -> dict:
    """One example's record; an exception becomes a recorded failure, never a crash."""
    start = time.perf_counter()
    pred, error = None, None
    with metered() as meter:
        try:
            pred = program(**program_inputs(example, k, max_words))
        except Exception as e:
            error = f"{type(e).__name__}: {e}"
    raw = pred.output if pred is not None else ""
    return {
        "id": example.id,
        "prediction": output_text(raw, clean),
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
                 workers: int = 1, k: int = 4, max_words: int | None = 100,
                 clean: bool = True, progress: bool = True, desc: str = "run") -> int:
    """Run the examples not finished in ``store``; each record is saved as soon as it is done."""
    done = store.finished_ids()
    pending = [ex for ex in examples if ex.id not in done]
    if not pending:
        return 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(contextvars.copy_context().run, predict_one, program, ex, k,
                               max_words, clean) for ex in pending]
        bar = tqdm(total=len(examples), initial=len(examples) - len(pending), desc=desc,
                   unit="ex", disable=not progress)
        for future in as_completed(futures):
            store.append(future.result())
            bar.update(1)
        bar.close()
    return len(pending)


def run(data: str, program: str = "planner-mopa", agents: int = 4, layers: int = 5,
        lm: str = "embedded", proposer_lms: str | None = None, planner_lm: str | None = None,
        aggregator_lm: str | None = None, aggregator_temperature: float | None = None,
        roles: str | None = None, rag_agents: int | None = None, api_base: str | None = None,
        temperature: float = 0.7, max_tokens: int = 256, limit: int | None = None,
        selection: str = "first", seed: int = 0, k: int = 4, max_words: int = 100,
        clean: bool = True, workers: int = 1, program_file: str | None = None,
        out: str = "runs/latest", progress: bool = True) -> dict:
    examples = select(load(data), limit, how=selection, seed=seed)
    if not examples:
        raise ValueError(f"{data}: no examples selected")
    task = examples[0].task
    lms = LMPool(default=lm, temperature=temperature, max_tokens=max_tokens, api_base=api_base)
    if program_file:
        config, module = load_program(program_file, lms)
        if config.task != task:
            raise ValueError(f"{program_file} was compiled for {config.task}, but {data} is "
                             f"{task} data")
    else:
        config = make_config(program, task=task, agents=agents, layers=layers,
                             roles=roles, proposer_lms=proposer_lms,
                             rag_agents=rag_agents, planner_lm=planner_lm,
                             aggregator_lm=aggregator_lm,
                             aggregator_temperature=aggregator_temperature)
        module = build_program(config, lms)
    manifest = {"data": data, "selection": selection, "limit": limit, "seed": seed, "k": k,
                "max_words": max_words, "clean": clean, "lm": lm, "temperature": temperature,
                "max_tokens": max_tokens, "api_base": api_base, "program_file": program_file,
                "config": config.as_dict(), "program_hash": program_hash(module)}
    with RunStore(out, manifest) as store:
        return execute(module, config, examples, store, lms, workers=workers, k=k,
                       max_words=max_words, clean=clean, progress=progress)


def execute(module: dspy.Module, config: ProgramConfig, examples: list[Example],
            store: RunStore, lms: LMPool, workers: int = 1, k: int = 4,
            max_words: int | None = 100, clean: bool = True, progress: bool = True) -> dict:
    """Run a program built with ``lms`` into a store and write its metrics (shared by
    run/tune/compile/report/experiment); predictors it did not pin use ``lms.default``."""
    with dspy.context(lm=lms.default if config.preset != "copy-latest" else None,
                      adapter=PlainTextAdapter()):
        run_examples(module, examples, store, workers=workers, k=k, max_words=max_words,
                     clean=clean, progress=progress, desc=config.preset)
    metrics = {"program": config.as_dict(), "lm": lms.default_spec,
               **run_metrics(examples, store.records(), clean=clean)}
    store.write_metrics(metrics)
    return metrics
