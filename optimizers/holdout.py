"""Held-out test examples, disjoint by id from the examples that selected a program.

Choosing the best of many candidates (Optuna trials, MIPROv2/GEPA candidate programs) on some
examples and then reporting its scores and CIs on those same examples overstates it: part of
the winner's margin is the noise it was chosen for (the winner's curse). The test examples are
drawn so that none of them has an id the selection used:

- ``--test-limit N`` (``--test N`` in ``mopa compile``) alone: a seeded random N of the same
  ``--data``, minus the selection's ids;
- ``--test-data SRC``: every example of SRC whose id the selection did not use;
- both: a seeded random N of those.

The draw is ``random.Random(seed).sample`` over the free examples in dataset order, and the
chosen ones keep dataset order, so the same flags always give the same test examples. A tune
study records its draw (source, size, seed and the ids) in its user attrs: later workers and
``mopa report`` reuse exactly those examples instead of drawing again.
"""

from __future__ import annotations

import random

import optuna

from mopa.data import Example, load

TEST_ATTR = "test_selection"


def draw_test(data: str, used: set[str], limit: int | None, test_data: str | None, seed: int,
              task: str, size_flag: str = "--test-limit") -> list[Example]:
    """The test examples of ``test_data`` (the first ``limit``) or of ``data`` (a seeded random
    ``limit``) whose ids are not in ``used``; they must be of ``task``, the task the selected
    programs were built for."""
    if limit is not None and limit < 1:
        raise ValueError(f"{size_flag} must be >= 1, got {limit}")
    source = test_data or data
    candidates = load(source)
    other = sorted({ex.task for ex in candidates} - {task})
    if other:
        raise ValueError(f"--test-data {source} holds {', '.join(other)} examples, but the "
                         f"programs are for {task}; pass test data of the same task")
    free = [ex for ex in candidates if ex.id not in used]
    if limit is not None and limit > len(free):
        raise ValueError(
            f"{size_flag} {limit}: only {len(free)} of the {len(candidates)} examples of "
            f"{source} are not used to train or select ({len(used)} are); lower {size_flag}, "
            "train/select on fewer examples, or pass --test-data with another source")
    if not free:
        raise ValueError(f"--test-data {source}: every one of its {len(candidates)} examples "
                         "is used to train or select; pass a source with other examples")
    if limit is None:
        return free
    if test_data is not None:
        # A separate source is held out already: its first N, in data order, so the same
        # examples can be scored by other commands (e.g. --selection test-half --limit N).
        return free[:limit]
    keep = set(random.Random(seed).sample(range(len(free)), limit))
    return [ex for i, ex in enumerate(free) if i in keep]


def _describe(spec: dict) -> str:
    size = "all" if spec["limit"] is None else f"limit {spec['limit']}"
    return f"{spec['data']} ({size}, seed {spec['seed']})"


def _recorded_examples(spec: dict) -> list[Example]:
    by_id = {ex.id: ex for ex in load(spec["data"])}
    missing = [i for i in spec["ids"] if i not in by_id]
    if missing:
        raise ValueError(f"{len(missing)} of the study's test examples (e.g. {missing[0]!r}) are "
                         f"no longer in {spec['data']}: the data changed since the study "
                         "recorded its test selection; use a new --study")
    return [by_id[i] for i in spec["ids"]]


def study_test_examples(study: optuna.Study, data: str, used: set[str],
                        limit: int | None, test_data: str | None, seed: int,
                        task: str) -> tuple[dict, list[Example]] | None:
    """The study's test selection (recorded on first request), or None if it has none.

    Without flags the recorded one is reused; flags that differ from it are refused, since two
    test sets for one study would make its reports incomparable.
    """
    recorded = study.user_attrs.get(TEST_ATTR)
    if limit is not None or test_data is not None:
        wanted = {"data": test_data or data, "limit": limit, "seed": seed}
        if recorded is None:
            examples = draw_test(data, used, limit, test_data, seed, task)
            recorded = {**wanted, "ids": [ex.id for ex in examples]}
            study.set_user_attr(TEST_ATTR, recorded)
            return recorded, examples
        if {key: recorded[key] for key in wanted} != wanted:
            raise ValueError(f"study {study.study_name!r} already holds out "
                             f"{_describe(recorded)}; this run asks for {_describe(wanted)}: "
                             "pass the same --test-limit/--test-data (or none) or a new --study")
    if recorded is None:
        return None
    examples = _recorded_examples(recorded)
    overlap = sorted(used & set(recorded["ids"]))
    if overlap:
        raise ValueError(f"the study's test selection shares {len(overlap)} example id(s) with "
                         f"the examples trials were scored on (e.g. {overlap[0]!r}): trials ran "
                         "on other --data/--limit/--selection than when it was recorded; run "
                         "them with the study's original flags, or use a new --study")
    return recorded, examples
