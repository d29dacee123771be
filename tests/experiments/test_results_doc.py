"""Verdicts, claims and the results document, on synthetic per-example scores."""

import json

import numpy as np
import pytest

from mopa.experiments.claims import depth_claims, table_claims, verdict
from mopa.experiments.command import experiment_argv
from mopa.experiments.compare import add_intervals, previous_systems
from mopa.experiments.results_doc import write_results
from mopa.flags import from_args, recorded
from mopa.programs import ProgramChoice
from mopa.runs.settings import DataSettings, RunSettings

SETTINGS = {"experiment": "table", "data": "demo:product_review", "lm": "fake", "limit": None,
            "selection": "first", "seed": 3, "k": 4, "max_words": 100, "clean": True,
            "agents": 2, "layers": 1, "md_lms": ["fake@0.3", "fake@1.0"],
            "planner_lm": "fake@0.2", "aggregator_lm": None, "api_base": None,
            "temperature": 0.7, "max_tokens": 64, "n": 60}


def _scores(rng, n: int, shift: float = 0.0) -> list[float]:
    return list(np.clip(rng.uniform(0.1, 0.3, n) + shift, 0, 1))


def test_verdicts_hold_fail_and_not_separable():
    rng = np.random.default_rng(0)
    base = np.array(_scores(rng, 60))
    better = base + 0.03 + rng.normal(0, 0.01, 60)
    assert verdict(list(better), list(base))[0] == "holds"
    assert verdict(list(base), list(better))[0] == "fails (the opposite is significant)"
    noise = base + rng.normal(0, 0.05, 60)
    text, evidence = verdict(list(noise), list(base))
    assert text == "not separable from noise" and "percentile, n = 60" in evidence


def test_small_samples_need_the_sign_flip_test_too():
    # 5 examples all better by 0.1: the BCa interval excludes 0, but no test on 5 pairs can
    # reach p < 0.05 (2 / 2**5 = 0.0625), so the claim is not called.
    text, evidence = verdict([0.3, 0.4, 0.5, 0.3, 0.2], [0.2, 0.3, 0.4, 0.2, 0.1])
    assert text == "not separable from noise"
    assert "bca, n = 5" in evidence and "sign-flip p = 0.06" in evidence
    rng = np.random.default_rng(1)
    base = np.array(_scores(rng, 12))
    assert verdict(list(base + 0.05 + rng.normal(0, 0.005, 12)), list(base))[0] == "holds"


def _entry(label, preset, scores, agents=0, layer_scores=(), command=None):
    return {"label": label, "preset": preset, "agents": agents, "layers": 1, "n": len(scores),
            "failed": 0, "empty": 1, "per_example": {"lm_calls": 1.0, "prompt_tokens": 10,
                                                     "completion_tokens": 5, "seconds": 0.1},
            "run_dir": "x", "command": command,
            "scores": {m: scores for m in ("rouge1", "rougeL", "meteor")},
            "layer_scores": [{m: s for m in ("rouge1", "rougeL", "meteor")}
                             for s in layer_scores]}


def test_claims_of_systems_that_did_not_run_are_listed_with_why():
    rng = np.random.default_rng(2)
    results = {"systems": [_entry("RAG-Personalized", "rag", _scores(rng, 20)),
                           _entry("PlanPers", "planpers", _scores(rng, 20))]}
    claims = {c.text: c for c in table_claims(results)}
    assert claims["PlanPers beats RAG-Personalized"].verdict is not None
    skipped = claims["Planner MoPA beats PlanPers"]
    assert skipped.verdict is None and "Planner MoPA (`planner-mopa`)" in skipped.evidence
    assert claims["MoPA-AD beats RAG-Personalized"].verdict is None
    assert claims["PlanPers beats copying the user's latest text"].evidence == (
        "not run in this experiment: copy-latest (`copy-latest`)")
    depth = depth_claims(results)
    assert [c.verdict for c in depth] == [None]  # no layered system ran
    assert "RAG MoPA (`rag-mopa`)" in depth[0].evidence


def _write(path, results):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results), encoding="utf-8")


def test_results_document_reproduces_from_what_it_prints(tmp_path):
    rng = np.random.default_rng(4)
    runs = tmp_path / "runs"
    full = experiment_argv(SETTINGS, out=str(runs))
    rerun = experiment_argv(SETTINGS, systems="rag", out=str(runs))
    systems = [_entry("copy-latest", "copy-latest", _scores(rng, 60), command=full),
               _entry("RAG-Personalized", "rag", _scores(rng, 60), command=rerun),
               _entry("PlanPers", "planpers", _scores(rng, 60), command=full)]
    _write(runs / "table" / "results.json", {"settings": SETTINGS, "kind": "table",
                                              "description": "d", "systems": systems})
    depth = {**SETTINGS, "experiment": "depth", "limit": 10, "n": 10}
    old = [_entry("PlanPers", "planpers", _scores(rng, 10)),  # saved before commands were
           _entry("Planner MoPA", "planner-mopa", _scores(rng, 10), agents=2,  # recorded
                  layer_scores=[_scores(rng, 10), _scores(rng, 10)])]
    _write(runs / "depth" / "results.json", {"settings": depth, "kind": "depth",
                                              "description": "d", "systems": old})
    notes = tmp_path / "notes.md"
    notes.write_text("Context.\n")
    text = write_results(str(runs), str(tmp_path / "results.md"), notes=str(notes)).read_text()

    assert f"mopa results --runs {runs} --out {tmp_path / 'results.md'} --notes {notes}" in text
    table_cmd = ("`mopa experiment table --data demo:product_review --selection first --seed 3 "
                 "--lm fake --temperature 0.7 --max-tokens 64 --k 4 --max-words 100 --clean "
                 "--agents 2 --layers 1 --planner-lm fake@0.2 --proposer-lms fake@0.3,fake@1.0")
    assert f"{table_cmd} --out {runs}` → copy-latest, PlanPers" in text
    assert f"{table_cmd} --systems rag --out {runs}` → RAG-Personalized" in text
    assert ("--limit 10 --selection first --seed 3" in text
            and "--systems planpers,planner-mopa --out" in text and "rebuilt from" in text)
    assert "- Role-Planner MoPA beats Planner MoPA (roles help): not run" in text
    # table: PlanPers vs RAG, PlanPers and RAG vs copy-latest; depth: layer 1 vs PlanPers, 2 vs 1
    assert "tests 5 claims (`depth`: 2, `table`: 3) and shows 12 Δ intervals" in text
    assert "about 0.25 \"holds\" or \"fails\" verdicts" in text
    assert "(`depth`: n = 10) the intervals are BCa" in text
    assert "| PlanPers | — | 60 | 0 | 1 |" in text  # the empty outputs column


def test_intervals_are_recomputed_and_other_settings_refuse_to_merge(tmp_path):
    rng = np.random.default_rng(5)
    entries = [_entry("copy-latest", "copy-latest", _scores(rng, 12)),
               _entry("RAG-Personalized", "rag", _scores(rng, 12, 0.05))]
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


def test_aggregator_and_agents_claims_use_both_metrics_and_every_family():
    from mopa.experiments.claims import agents_claims, aggregator_claims

    rng = np.random.default_rng(5)
    base = _scores(rng, 40)
    better = [v + 0.05 for v in base]
    results = {"systems": [_entry("RAG-Personalized", "rag", base),
                           _entry("MoPA longest", "rag-mopa", base),
                           _entry("MoPA fusion", "rag-mopa", better)]}
    claims = {c.text: c for c in aggregator_claims(results)}
    assert claims["MoPA fusion beats RAG-Personalized on ROUGE-L"].verdict == "holds"
    assert claims["MoPA fusion beats copy-latest on METEOR"].verdict is None
    assert not any(t.startswith("MoPA longest beats") for t in claims)

    counts = {"systems": [dict(_entry("fusion N=1", "rag-mopa", base), agents=1),
                          dict(_entry("fusion N=4", "rag-mopa", better), agents=4)]}
    (claim,) = agents_claims(counts)
    assert claim.text == "fusion: 4 agents beat 1 on METEOR" and claim.verdict == "holds"


def test_systems_claims_test_the_chosen_aggregator_on_every_system():
    from mopa.experiments.claims import systems_claims
    from mopa.experiments.systems import EXPERIMENT, MOPA_PRESETS, ORDER

    labels = {s.label for s in EXPERIMENT.systems}
    assert len(MOPA_PRESETS) == 7 and len(labels) == 3 + 7 * len(ORDER)
    rng = np.random.default_rng(6)
    base = _scores(rng, 40)
    worse = [v - 0.05 for v in base]
    results = {"systems": [_entry("RAG-Personalized", "rag", base),
                           _entry("RAG MoPA (merge)", "rag-mopa", worse),
                           _entry("RAG MoPA (fusion)", "rag-mopa", worse),
                           _entry("MoPA-AD (fusion)", "mopa-ad", base)]}
    claims = {c.text: c for c in systems_claims(results)}
    assert claims["RAG MoPA (fusion) beats RAG-Personalized on ROUGE-L"].verdict.startswith("fails")
    assert claims["RAG MoPA: fusion beats merge on METEOR"].verdict == "not separable from noise"
    assert claims["MoPA-AD: fusion beats merge on METEOR"].verdict is None
    assert len(claims) == 6


def test_the_aggregator_grid_reads_each_system_across_its_aggregators():
    from mopa.experiments.markdown import aggregator_grid

    entries = [_entry("RAG-Personalized", "rag", [0.1, 0.3]),
               _entry("RAG MoPA (fusion)", "rag-mopa", [0.2, 0.4]),
               _entry("RAG MoPA (merge)", "rag-mopa", [0.0, 0.2]),
               _entry("MoPA-AD (merge)", "mopa-ad", [0.5, 0.5])]
    add_intervals(entries, ())
    lines = aggregator_grid({"systems": entries}).splitlines()
    # The aggregators' declared order; each cell holds every metric, in the header's order.
    assert lines[0] == "| System (ROUGE-1 / ROUGE-L / METEOR) | merge | fusion |"
    assert lines[2:] == ["| RAG MoPA | 0.100 / 0.100 / 0.100 | 0.300 / 0.300 / 0.300 |",
                         "| MoPA-AD | 0.500 / 0.500 / 0.500 | — |"]
