"""LongLaMP examples: one normalized type for all tasks, from the hub, local files or the demo.

A data source is a string:
  - ``demo:<task>``                      the small fictional dataset shipped with the package
  - ``longlamp:<config>[:<split>]``      the hub dataset ``LongLaMP/LongLaMP`` (default split: val)
  - a path to a ``.jsonl`` or ``.json`` file in LongLaMP's schema, or either gzip-compressed
    (``.jsonl.gz``; a file is told to be gzip by its content, see ``mopa.jsonl``)
"""

from __future__ import annotations

import hashlib
import logging
import random
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from mopa.hub import check_reachable
from mopa.jsonl import DataError, check_readable_file, iter_jsonl, read_json
from mopa.splits import selection_test_split
from mopa.tasks import SETTINGS, TASKS, Task, get_task, infer_task

log = logging.getLogger(__name__)

HUB_DATASET = "LongLaMP/LongLaMP"
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Example:
    id: str
    user_id: str
    task: str
    input: str
    output: str
    profile: tuple[dict, ...] = field(default_factory=tuple)

    @property
    def spec(self) -> Task:
        return get_task(self.task)

    def latest_text(self) -> str:
        """The user's most recent own text (profiles are chronological, oldest first)."""
        if not self.profile:
            return ""
        return str(self.profile[-1].get(self.spec.text_field, ""))


def example_id(user_id: str, input_text: str) -> str:
    digest = hashlib.sha1(input_text.encode("utf-8")).hexdigest()[:10]
    return f"{user_id}-{digest}"


def _require(record: dict, name: str, kind: type | tuple, source: str, line: int | None,
             prefix: str = "") -> object:
    if name not in record:
        raise DataError(source, line, prefix + name, "is missing")
    value = record[name]
    if not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise DataError(source, line, prefix + name,
                        f"must be {expected}, got {type(value).__name__}: {str(value)[:60]!r}")
    return value


def parse_record(record: object, source: str, line: int | None,
                 task: Task | None = None) -> Example:
    """Validate one raw LongLaMP record and normalize it."""
    if not isinstance(record, dict):
        raise DataError(source, line, None,
                        f"expected a JSON object, got {type(record).__name__}")
    task = task or infer_task(record)
    if task is None:
        fields = ", ".join(t.user_field for t in TASKS.values())
        raise DataError(source, line, None,
                        f"no user id field; expected one of: {fields} (got keys {sorted(record)})")
    user_id = str(_require(record, task.user_field, (str, int), source, line))
    input_text = _require(record, "input", str, source, line)
    output = _require(record, "output", str, source, line)
    raw_profile = _require(record, "profile", list, source, line)
    profile = []
    for i, item in enumerate(raw_profile):
        if not isinstance(item, dict):
            raise DataError(source, line, f"profile[{i}]",
                            f"must be an object, got {type(item).__name__}")
        _require(item, task.text_field, str, source, line, prefix=f"profile[{i}].")
        profile.append(dict(item))
    return Example(
        id=str(record["id"]) if "id" in record else example_id(user_id, input_text),
        user_id=user_id,
        task=task.name,
        input=input_text,
        output=output,
        profile=tuple(profile),
    )


def load_file(path: str | Path, task: str | None = None) -> list[Example]:
    path = Path(path)
    check_readable_file(path, "data")
    spec = get_task(task) if task else None
    if path.name.removesuffix(".gz").endswith(".json"):
        records = read_json(path)
        if not isinstance(records, list):
            raise DataError(str(path), None, None, "a .json data file must hold a list of records")
        parsed = [(None, parse_record(r, str(path), None, spec)) for r in records]
    else:
        parsed = [(lineno, parse_record(record, str(path), lineno, spec))
                  for lineno, record in iter_jsonl(path)]
    _check_one_task(parsed, str(path))
    places = [f"line {line}" if line is not None else f"record {i}"
              for i, (line, _) in enumerate(parsed, start=1)]
    return _dedupe([ex for _, ex in parsed], str(path), places)


def _check_one_task(parsed: list[tuple[int | None, Example]], source: str) -> None:
    """A run, its prompts and its scores are for one task: a file mixing tasks would run, say,
    an abstract record through the review program, so it is refused at its first odd record."""
    if not parsed:
        return
    first_line, first = parsed[0][0], parsed[0][1].task
    first_where = "record 1" if first_line is None else f"line {first_line}"
    for index, (line, ex) in enumerate(parsed, start=1):
        if ex.task != first:
            where = source if line is not None else f"{source} record {index}"
            raise DataError(where, line, ex.spec.user_field,
                            f"makes this record {ex.task}, but {first_where} is {first}; a "
                            "data file holds one task: split it into one file per task")


def _dedupe(examples: list[Example], source: str,
            places: list[str] | None = None) -> list[Example]:
    """Ids must be unique (runs resume by id); a repeated user+input gets an index suffix.

    A record that repeats an earlier one exactly is most likely a copy by mistake; it is kept
    (dropping it would change what a run of this file ran and scored), with one warning naming
    where, since each copy is run and weighs in the means once per appearance."""
    places = places or [f"record {i}" for i in range(1, len(examples) + 1)]
    seen: dict[str, int] = {}
    first: dict[str, tuple[Example, str]] = {}
    repeats: list[tuple[str, str]] = []
    out = []
    for ex, place in zip(examples, places, strict=True):
        n = seen.get(ex.id, 0)
        seen[ex.id] = n + 1
        if n == 0:
            first[ex.id] = (ex, place)
        elif first[ex.id][0] == ex:
            repeats.append((place, first[ex.id][1]))
        out.append(ex if n == 0 else Example(f"{ex.id}-{n}", ex.user_id, ex.task, ex.input,
                                             ex.output, ex.profile))
    if repeats:
        more = f" (and {len(repeats) - 1} more)" if len(repeats) > 1 else ""
        log.warning("%s: %s repeats %s exactly%s; each copy is run and scored once per "
                    "appearance: delete the repeats to count a record once", source,
                    repeats[0][0], repeats[0][1], more)
    return out


def load_demo(task: str) -> list[Example]:
    spec = get_task(task)
    ref = resources.files("mopa") / "demo" / f"{spec.name}.jsonl"
    with resources.as_file(ref) as path:
        return load_file(path, spec.name)


def load_hub(config: str, split: str = "val") -> list[Example]:
    task_name, _, setting = config.rpartition("_")
    if task_name not in TASKS or setting not in SETTINGS:
        configs = [f"{t}_{s}" for t in TASKS for s in SETTINGS]
        raise ValueError(f"unknown LongLaMP config {config!r}; expected one of: {configs}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; LongLaMP splits are {SPLITS} (note: 'val')")
    source = f"longlamp:{config}:{split}"
    check_reachable(source)  # before datasets' retries, which take 25 s to fail offline
    import datasets  # lazy: seconds to import, and only longlamp: sources need it

    rows = datasets.load_dataset(HUB_DATASET, config, split=split)
    spec = get_task(task_name)
    return _dedupe([parse_record(dict(r), source, i + 1, spec) for i, r in enumerate(rows)],
                   source, [f"row {i + 1}" for i in range(len(rows))])


HALVES = ("selection-half:", "test-half:")


def load(source: str) -> list[Example]:
    """Load a data source string (see the module docstring). ``test-half:SRC`` and
    ``selection-half:SRC`` are one seeded half of SRC (mopa.splits, seed 0), e.g. a held-out
    test source for `mopa report --test-data` when the trials ran on the other half."""
    for prefix in HALVES:
        if source.startswith(prefix):
            return select(load(source[len(prefix):]), how=prefix[:-1])
    if source.startswith("demo:"):
        return load_demo(source.split(":", 1)[1])
    if source.startswith("longlamp:"):
        parts = source.split(":")
        if len(parts) not in (2, 3):
            raise ValueError(f"bad source {source!r}; use longlamp:<config>[:<split>]")
        return load_hub(parts[1], parts[2] if len(parts) == 3 else "val")
    return load_file(source)


# selection-half / test-half: the two seeded halves of mopa.splits, so a setting chosen on one
# half (tuning, prompt compilation) is confirmed on examples it never saw; --limit N takes the
# first N of the half in data order.
SELECTIONS = ("first", "random", "most-profile", "selection-half", "test-half")
ORDERED = ("first", "selection-half", "test-half")  # data order: a later slice is well defined


def select(examples: list[Example], limit: int | None = None, how: str = "first",
           seed: int = 0) -> list[Example]:
    """A subset: the first N, a seeded random N, the report's rule (N with most profile items),
    or the first N of one seeded half.

    Order is kept stable (dataset order) so the same selection always yields the same list.
    """
    if how not in SELECTIONS:
        raise ValueError(f"unknown selection {how!r}; expected one of: {', '.join(SELECTIONS)}")
    if how.endswith("-half"):
        selection, test = selection_test_split(examples, seed)
        return select(selection if how == "selection-half" else test, limit)
    if limit is None or limit >= len(examples):
        return list(examples)
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    if how == "first":
        return list(examples[:limit])
    if how == "random":
        keep = set(random.Random(seed).sample(range(len(examples)), limit))
    else:
        # Ties are broken by dataset order, so the rule is deterministic.
        ranked = sorted(range(len(examples)), key=lambda i: (-len(examples[i].profile), i))
        keep = set(ranked[:limit])
    return [ex for i, ex in enumerate(examples) if i in keep]
