"""What makes one MLflow run readable from its row alone: a name that says the program's
structure and score, a description, the examples it ran on and the code that ran.

MLflow's default runs table shows only Run Name, Created, Dataset, Duration, Source and Models;
params and metrics are hidden until a user picks columns. So every run MoPA creates puts the
answer where the table already looks:

- Run Name: ``t3 rag-mopa 2×2 fusion · meteor 0.104`` (set again when the score is known);
- Dataset: the examples, logged with ``log_inputs`` (name, source, digest of ids + targets, n),
  so two runs on the same examples show the same digest;
- Source: ``mopa <command>`` with the git commit of the checkout (``mlflow.source.git.commit``);
- the run page's description (``mlflow.note.content``): the same facts in a sentence.

Tags go through ``tracking`` (explicit client and run ids); every value MoPA writes here,
including the run name and the dataset source, is redacted (``mopa.redaction``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput, InputTag

from mopa.data import Example
from mopa.redaction import redact
from mopa.runs import tracking
from mopa.runs.code_version import git_commit

NOTE_TAG = "mlflow.note.content"  # MLflow's UI shows it as the run's description
GIT_TAG = "mlflow.source.git.commit"


def structure(config: dict) -> str:
    """``rag-mopa 2×2 fusion`` (preset, agents × layers, aggregator) or ``planpers`` for the
    single-agent presets, where agents × layers would say nothing."""
    agents = len(config.get("agents") or ())
    if not agents:
        return str(config.get("preset"))
    return f"{config.get('preset')} {agents}×{config.get('layers')} {config.get('aggregator')}"


def score_text(values: dict, names: list[str]) -> str:
    """``meteor 0.104`` (or ``meteor 0.104, lm_calls 7.0``): the objective(s), three decimals."""
    return ", ".join(f"{n} {values[n]:.3f}" for n in names if values.get(n) is not None)


def digest(examples: list[Example]) -> str:
    """12 hex digits of sha256 over the examples' ids and targets, in order: the same examples
    give the same digest whatever the source path or flags that selected them."""
    h = hashlib.sha256()
    for ex in examples:
        h.update(f"{ex.id}\0{ex.output}\0".encode())
    return h.hexdigest()[:12]


def dataset_input(examples: list[Example], source: str, context: str) -> DatasetInput:
    """The examples as an MLflow dataset input; ``context`` (e.g. "trials", "train",
    "validation") says what they were used for."""
    # A plain path; "demo:...", "longlamp:..." and "test-half:<path>" stay as written.
    is_file = ":" not in source and Path(source).suffix in (".jsonl", ".json")
    where = str(Path(source).resolve()) if is_file else source
    profile = {"num_rows": len(examples), "users": len({ex.user_id for ex in examples}),
               "task": examples[0].task if examples else None}
    dataset = Dataset(name=Path(source).name if is_file else source, digest=digest(examples),
                      source_type="local" if is_file else "mopa",
                      source=json.dumps({"uri": redact(where)}),
                      profile=json.dumps(profile))
    return DatasetInput(dataset, tags=[InputTag("mlflow.data.context", context),
                                       InputTag("n", str(len(examples)))])


def describe(client: MlflowClient, run_id: str, command: str, name: str | None = None,
             note: str | None = None, examples: list[Example] | None = None,
             source: str | None = None, context: str = "eval") -> None:
    """Name, description, source (command + git commit) and dataset of one run; each part only
    when given. The git commit is left out when MoPA does not run from its own checkout."""
    tags = {"mlflow.source.name": f"mopa {command}", "mlflow.source.type": "LOCAL"}
    commit = git_commit()
    if commit:
        tags[GIT_TAG] = commit
    if note:
        tags[NOTE_TAG] = note
    tracking.set_tags(client, run_id, tags)
    if name:
        rename(client, run_id, name)
    if examples:
        log_dataset(client, run_id, examples, source or "?", context)


def log_dataset(client: MlflowClient, run_id: str, examples: list[Example], source: str,
                context: str) -> None:
    client.log_inputs(run_id, datasets=[dataset_input(examples, source, context)])


def rename(client: MlflowClient, run_id: str, name: str) -> None:
    client.update_run(run_id, name=redact(name))
