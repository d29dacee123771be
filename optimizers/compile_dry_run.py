"""``mopa compile --dry-run``: what the evaluation runs of a compile cost, and what is not known.

A compile runs the uncompiled program on the validation examples ("before"), the optimizer on
the train examples, the compiled program on the validation examples ("after") and, with a test
split, both programs on it. The evaluation runs are estimated as runs (``mopa.costs.estimate``,
the compiled program with the uncompiled one's prompts: demos the optimizer adds make them
longer); the optimizer's own calls depend on what it finds as it goes, so they are said to be
unknown rather than guessed.
"""

from __future__ import annotations

from pathlib import Path

from mopa.costs.estimate import Estimate, for_run, planned_roles, structure
from mopa.costs.simulate import dry_program
from mopa.program_files import program_hash
from mopa.programs import ProgramConfig
from mopa.runs.settings import RunSettings
from mopa.runs.store import RunStore


def compile_estimates(config: ProgramConfig, optimizer: str, train: list, val: list,
                      test: list, settings: RunSettings, eval_dir: Path,
                      manifest: dict) -> list[Estimate]:
    program = dry_program(config, settings.lm, settings.max_tokens)
    before = {**manifest, "program_hash": program_hash(program[0])}
    runs = [for_run(config, val, settings, RunStore.finished_for(eval_dir / "before", before),
                    "before: the uncompiled program on the val split", program),
            Estimate(f"{optimizer} on {len(train)} train examples", structure(config),
                     planned_roles(config), len(train), 0,
                     note="not estimated: the optimizer decides its calls as it goes"),
            for_run(config, val, settings, (), "after: the compiled program on the val split",
                    program)]
    if test:
        runs += [for_run(config, test, settings, (), f"test: {which} program", program)
                 for which in ("the uncompiled", "the compiled")]
    return runs
