from statistics import fmean

import pytest

from mopa.data import Example
from mopa.experiments.ceiling import ceiling_table, draft_columns, fill_drafts
from mopa.experiments.compare import compare_systems
from mopa.experiments.systems import EXPERIMENT as SYSTEMS
from mopa.programs.config import make_config
from mopa.runs.settings import DataSettings
from mopa.runs.store import RunStore
from mopa.scoring.registry import parse_metrics
from mopa.scoring.run_scores import RunScores
from tests.conftest import review_record

REFERENCE = "the strings stay in tune and the tone is warm"
OFF = "my cat sleeps on the sofa all day"


def _example(i):
    return Example(id=f"e{i}", user_id="u", task="product_review", input="a capo",
                   output=REFERENCE)


def _layered(drafts, output):
    return {"raw_prediction": output, "prediction": output,
            "layers": [{"drafts": drafts, "output": output}]}


def test_the_mean_and_best_draft_are_scored_against_the_reference_and_a_failure_scores_0():
    examples = [_example(0), _example(1)]
    records = {"e0": _layered([REFERENCE, OFF], OFF)}  # e1 failed: no record
    scores = RunScores(examples, records, True, parse_metrics("rougeL,meteor"))

    columns = draft_columns(scores)

    assert columns["best"]["rougeL"] == [1.0, 0.0]
    assert columns["mean"]["rougeL"][0] == pytest.approx(0.5, abs=0.06)  # OFF shares "the"
    assert columns["best"]["meteor"][0] > columns["mean"]["meteor"][0] > 0
    assert columns["mean"]["rougeL"][1] == 0.0


def test_a_run_without_drafts_or_a_judge_only_choice_has_no_ceiling():
    examples = [_example(0)]
    single = RunScores(examples, {"e0": {"raw_prediction": OFF, "prediction": OFF}}, True,
                       parse_metrics("rougeL"))
    layered_without_reference = RunScores(examples, {"e0": _layered([REFERENCE], OFF)}, True,
                                          parse_metrics("reader"))

    assert draft_columns(single) is None
    assert draft_columns(layered_without_reference) is None


def test_the_table_has_one_row_per_set_of_drafts_with_the_oracle_against_rag(entry):
    drafts = {"mean": {m: [0.2, 0.2] for m in ("rouge1", "rougeL", "meteor")},
              "best": {m: [0.5, 0.5] for m in ("rouge1", "rougeL", "meteor")}}
    rag = entry("RAG-Personalized", "rag", [0.1, 0.1])
    fusion = {**entry("RAG MoPA (fusion)", "rag-mopa", [0.3, 0.3], agents=4), "drafts": drafts}
    reader = {**entry("RAG MoPA (reader)", "rag-mopa", [0.25, 0.25], agents=4),
              "drafts": drafts}
    results = {"systems": [rag, fusion, reader]}

    table = ceiling_table(results, SYSTEMS)

    rows = [line for line in table.splitlines() if line.startswith("| RAG MoPA 4×1")]
    assert len(rows) == 1  # both aggregators read the same drafts
    assert "0.2000 | 0.5000 | 0.3000 (RAG MoPA (fusion))" in rows[0]
    assert "+0.4000" in rows[0]  # best draft 0.5 vs RAG 0.1, on every example
    assert ceiling_table({"systems": [rag]}, SYSTEMS) is None


def test_an_experiment_entry_keeps_the_drafts_of_a_mopa_run_only(tmp_path):
    examples = [_example(0)]
    runs = {}
    for label, preset, record in (("RAG-Personalized", "rag", {"prediction": OFF}),
                                  ("RAG MoPA (reader)", "rag-mopa", _layered([REFERENCE], OFF))):
        config = make_config(preset, "product_review", agents=1, layers=1)
        with RunStore(tmp_path / preset, {"config": config.as_dict()}) as store:
            store.append({"id": "e0", "raw_prediction": OFF, **record})
        runs[label] = {"config": config, "dir": tmp_path / preset}

    entries = compare_systems(examples, runs, ("RAG-Personalized",), True,
                              metrics=parse_metrics("rougeL"))

    by_label = {e["label"]: e for e in entries}
    assert "drafts" not in by_label["RAG-Personalized"]
    assert fmean(by_label["RAG MoPA (reader)"]["drafts"]["best"]["rougeL"]) == 1.0


def test_results_saved_without_drafts_get_them_from_their_run_directories(tmp_path,
                                                                          write_jsonl):
    data = write_jsonl([review_record(user="u0", output=REFERENCE)])
    example = DataSettings(str(data)).examples()[0]
    root = tmp_path / "systems"
    config = make_config("rag-mopa", "product_review", agents=2, layers=1)
    with RunStore(root / "rag-mopa-(reader)", {"config": config.as_dict()}) as store:
        store.append({"id": example.id, **_layered([REFERENCE, OFF], OFF)})
    entry = {"label": "RAG MoPA (reader)", "preset": "rag-mopa", "agents": 2,
             "run_dir": "/elsewhere/rag-mopa-(reader)", "scores": {"rougeL": [0.1]}}
    gone = {**entry, "label": "RAG MoPA (fusion)", "run_dir": "/elsewhere/missing"}
    results = {"settings": {"data": str(data), "limit": None, "selection": "first", "seed": 0,
                            "skip": 0, "clean": True}, "systems": [entry, gone]}

    fill_drafts(results, root)

    assert entry["drafts"]["best"]["rougeL"] == [1.0]
    assert "drafts" not in gone
