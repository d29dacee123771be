"""What ``mopa compile`` reports: the uncompiled and the compiled program scored on the same
examples, on the validation examples ("selection") and, with ``--test``/``--test-data``, on
held-out test examples ("test").

MIPROv2 and GEPA choose among candidate programs by their validation scores, so the compiled
program's validation numbers are optimistic (the winner's curse). BootstrapFewShot and COPRO
select on the training examples only, so for them validation is held out as well; the sections
are named the same for every optimizer and each says which case it is. The test examples are
disjoint by id from train and val (``holdout.draw_test``) and no optimizer sees them.
"""

from __future__ import annotations

from pathlib import Path

import dspy

from mopa.lm.pool import LMPool
from mopa.program_files import program_hash
from mopa.programs import ProgramConfig
from mopa.runs.runner import execute
from mopa.runs.settings import RunSettings
from mopa.runs.store import RunStore
from mopa.scoring.run_scores import RunScores, aggregate, columns, paired_intervals

SELECTS_ON_VAL = ("mipro", "gepa")
TEST_ABOUT = ("the test examples (--test/--test-data), disjoint by id from train and val and "
              "seen by no optimizer")


def selection_about(optimizer: str) -> str:
    if optimizer in SELECTS_ON_VAL:
        return (f"the validation examples (--val/--val-data); {optimizer} chose the program on "
                "them, so its 'after' numbers are optimistic")
    return (f"the validation examples (--val/--val-data); {optimizer} does not choose on them "
            "(it selects on the training examples), so they are held out too")


def section(about: str, examples: list, before_dir: Path, after_dir: Path, clean: bool) -> dict:
    """Before/after metrics of one set of examples, from the two run directories, and the
    paired CIs of after - before and after - copy-latest."""
    before, after = (RunScores(examples, RunStore.read(d), clean) for d in (before_dir, after_dir))
    after_scores = columns(after.final)
    return {"examples": about, "n": len(examples), "before": aggregate(before.final),
            "after": aggregate(after.final), "copy_latest": aggregate(after.copy_latest),
            "after_vs_before": paired_intervals(after_scores, columns(before.final)),
            "after_vs_copy_latest": paired_intervals(after_scores, columns(after.copy_latest))}


def score_test(uncompiled: dspy.Module, compiled: dspy.Module, config: ProgramConfig,
               examples: list, test_dir: Path, manifests: tuple[dict, dict], lms: LMPool,
               settings: RunSettings) -> dict:
    """Run both programs on the test examples into ``test_dir/{before,after}``; the section.

    ``manifests`` are the validation stores' (before, after) plus the test flags. Like those
    stores, these hold outputs derived from this compile, so other settings replace them.
    """
    for name, module, manifest in (("before", uncompiled, manifests[0]),
                                   ("after", compiled, manifests[1])):
        with RunStore(test_dir / name, {**manifest, "program_hash": program_hash(module)},
                      replace_stale=True) as store:
            execute(module, config, examples, store, lms, settings)
    return section(TEST_ABOUT, examples, test_dir / "before", test_dir / "after",
                   settings.clean)
