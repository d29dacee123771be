"""The results document, its tables and the commands it prints, on synthetic per-example
scores."""

import json

import numpy as np
import pytest

from mopa.experiments.command import experiment_argv
from mopa.experiments.compare import add_intervals, previous_systems
from mopa.experiments.results_doc import write_results
from mopa.programs import ProgramChoice
from mopa.runs.settings import DataSettings, RunSettings
from mopa.settings import from_args, recorded

SETTINGS = {"experiment": "table", "data": "demo:product_review", "lm": "fake", "limit": None,
            "skip": 0, "selection": "first", "seed": 3, "k": 4, "max_words": 100, "clean": True,
            "agents": 2, "layers": 1, "md_lms": ["fake@0.3", "fake@1.0"],
            "planner_lm": "fake@0.2", "aggregator_lm": None, "api_base": None,
            "temperature": 0.7, "max_tokens": 64, "n": 60}


def _scores(rng, n: int, shift: float = 0.0) -> list[float]:
    return list(np.clip(rng.uniform(0.1, 0.3, n) + shift, 0, 1))


def _write(path, results):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results), encoding="utf-8")


def test_results_document_reproduces_from_what_it_prints(tmp_path, entry, monkeypatch):
    # Absolute paths are written relative to where the document's commands run from.
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(4)
    runs = tmp_path / "runs"
    full = experiment_argv(SETTINGS, out=str(runs))
    rerun = experiment_argv(SETTINGS, systems="rag", out=str(runs))
    systems = [entry("copy-latest", "copy-latest", _scores(rng, 60), command=full),
               entry("RAG-Personalized", "rag", _scores(rng, 60), command=rerun),
               entry("PlanPers", "planpers", _scores(rng, 60), command=full)]
    _write(runs / "table" / "results.json", {"settings": SETTINGS, "kind": "table",
                                              "description": "d", "systems": systems})
    depth = {**SETTINGS, "experiment": "depth", "limit": 10, "n": 10,
             "data": str(tmp_path.parent / "data.jsonl")}
    old = [entry("PlanPers", "planpers", _scores(rng, 10)),  # saved before commands were
           entry("Planner MoPA", "planner-mopa", _scores(rng, 10), agents=2,  # recorded
                  layer_scores=[_scores(rng, 10), _scores(rng, 10)])]
    _write(runs / "depth" / "results.json", {"settings": depth, "kind": "depth",
                                              "description": "d", "systems": old})
    notes = tmp_path / "notes.md"
    notes.write_text("Context.\n")
    text = write_results(str(runs), str(tmp_path / "results.md"), notes=str(notes)).read_text()

    assert "mopa results --runs runs --doc results.md --notes notes.md" in text
    assert str(tmp_path) not in text
    assert "- Data: `../data.jsonl`, n = 10" in text and "--data ../data.jsonl --limit 10" in text
    table_cmd = ("`mopa experiment table --data demo:product_review --selection first --seed 3 "
                 "--skip 0 --lm fake --temperature 0.7 --max-tokens 64 --k 4 --max-words 100 "
                 "--clean "
                 "--agents 2 --layers 1 --planner-lm fake@0.2 --proposer-lms fake@0.3,fake@1.0")
    assert f"{table_cmd} --out runs` → copy-latest, PlanPers" in text
    assert f"{table_cmd} --systems rag --out runs` → RAG-Personalized" in text
    assert ("--limit 10 --selection first --seed 3 --skip 0" in text
            and "--systems planpers,planner-mopa --out" in text and "rebuilt from" in text)
    assert "- Role-Planner MoPA beats Planner MoPA (roles help): not run" in text
    # Each on METEOR, ROUGE-L and reader. table: PlanPers vs RAG, PlanPers and RAG vs
    # copy-latest; depth: layer 1 vs PlanPers, 2 vs 1. The tables' Δs: 4 pairs x 4 metrics.
    assert "tests 15 claims (`depth`: 6, `table`: 9) and shows 16 Δ intervals" in text
    assert "about 0.75 \"holds\" or \"fails\" verdicts" in text
    assert "| Planner MoPA: layer 1 beats PlanPers on Reader |" in text
    assert "| Planner MoPA: layer 1 beats PlanPers on ROUGE-L |" in text
    assert "(`depth`: n = 10) the intervals are BCa" in text
    assert "| PlanPers | — | 60 | 0 | 1 |" in text  # the empty outputs column


def test_intervals_are_recomputed_and_other_settings_refuse_to_merge(tmp_path, entry):
    rng = np.random.default_rng(5)
    entries = [entry("copy-latest", "copy-latest", _scores(rng, 12)),
               entry("RAG-Personalized", "rag", _scores(rng, 12, 0.05))]
    add_intervals(entries, ("rag", "copy-latest"))
    assert set(entries[1]["vs"]) == {"copy-latest"} and set(entries[0]["vs"]) == {"rag"}
    assert entries[1]["vs"]["copy-latest"]["meteor"]["method"] == "bca"
    path = tmp_path / "results.json"
    _write(path, {"settings": SETTINGS, "systems": entries})
    assert previous_systems(path, dict(SETTINGS)) == entries
    with pytest.raises(ValueError, match=r"other settings \(changed: lm, n\)"):
        previous_systems(path, {**SETTINGS, "lm": "embedded", "n": 5})


def test_the_printed_command_parses_back_to_the_recorded_settings():
    from mopa.cli import build_parser

    args = build_parser().parse_args(experiment_argv(SETTINGS, systems="rag", out="runs")[1:])
    assert (args.name, args.systems, args.out) == ("table", "rag", "runs")
    for cls in (DataSettings, RunSettings):
        values = recorded(from_args(cls, args))
        assert values == {k: SETTINGS[k] for k in values}
    program = from_args(ProgramChoice, args)
    assert (program.agents, program.layers, program.proposer_lms) == (2, 1, "fake@0.3,fake@1.0")
    assert program.options.planner_lm == "fake@0.2" and program.options.aggregator_lm is None


def test_the_aggregator_grid_reads_each_system_across_its_aggregators(entry):
    from mopa.experiments.markdown import aggregator_grid

    entries = [entry("RAG-Personalized", "rag", [0.1, 0.3]),
               entry("RAG MoPA (fusion)", "rag-mopa", [0.2, 0.4]),
               entry("RAG MoPA (merge)", "rag-mopa", [0.0, 0.2]),
               entry("MoPA-AD (merge)", "mopa-ad", [0.5, 0.5])]
    add_intervals(entries, ())
    lines = aggregator_grid({"systems": entries}).splitlines()
    # The aggregators' declared order; each cell holds every metric, in the header's order.
    assert lines[0] == "| System (ROUGE-1 / ROUGE-L / METEOR / Reader) | merge | fusion |"
    assert lines[2:] == [
        "| RAG MoPA | 0.100 / 0.100 / 0.100 / 0.100 | 0.300 / 0.300 / 0.300 / 0.300 |",
        "| MoPA-AD | 0.500 / 0.500 / 0.500 / 0.500 | — |"]


def test_one_section_per_task_from_grouped_runs(tmp_path, entry, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(5)
    runs = tmp_path / "runs"
    for group, data in (("reviews", "demo:product_review"), ("posts", "demo:topic_writing")):
        settings = {**SETTINGS, "data": data}
        systems = [entry("copy-latest", "copy-latest", _scores(rng, 60)),
                   entry("RAG-Personalized", "rag", _scores(rng, 60)),
                   entry("PlanPers", "planpers", _scores(rng, 60))]
        _write(runs / group / "table" / "results.json",
               {"settings": settings, "kind": "table", "description": "d", "systems": systems})
    text = write_results(str(runs), str(tmp_path / "results.md")).read_text()
    assert "## `posts/table` — d" in text and "## `reviews/table` — d" in text
    assert "- Data: `demo:topic_writing`" in text and "- Data: `demo:product_review`" in text
    assert "(`posts/table`: 9, `reviews/table`: 9)" in text  # each group's claims tested
