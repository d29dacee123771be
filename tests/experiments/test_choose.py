"""``mopa choose``: the MoPA configuration whose weakest gain over RAG-Personalized is
strongest, on synthetic per-example scores."""

import json

import numpy as np
import pytest

from mopa.experiments.choose import CHOICE_FILE, choose, describe, paired_t
from mopa.experiments.results_doc import write_results

SETTINGS = {"experiment": "systems", "data": "selection-half:reviews.jsonl", "lm": "fake",
            "limit": 40, "selection": "selection-half", "seed": 0, "k": 4, "max_words": 100,
            "clean": True, "agents": 4, "layers": 1, "md_lms": ["fake@0.3", "fake@1.0"],
            "planner_lm": None, "aggregator_lm": None, "api_base": None,
            "temperature": 0.7, "max_tokens": 64, "n": 40}
METRICS = ("meteor", "rougeL", "reader")


def _system(entry, label, preset, base, rng, shifts):
    made = entry(label, preset, base)
    made["scores"].update({m: list(np.asarray(base) + s + rng.normal(0, 0.01, len(base)))
                           for m, s in zip(METRICS, shifts, strict=True)})
    return made


def _results(entry, with_rag=True):
    rng = np.random.default_rng(0)
    base = list(rng.uniform(0.1, 0.3, 40))
    systems = [entry("copy-latest", "copy-latest", base)]
    if with_rag:
        systems.append(_system(entry, "RAG-Personalized", "rag", base, rng, (0, 0, 0)))
    systems += [
        # The METEOR winner that writes longer and loses ROUGE-L: not what the rule wants.
        _system(entry, "RAG MoPA (fusion)", "rag-mopa", base, rng, (0.05, -0.01, 0.01)),
        _system(entry, "Planner MoPA (reader_fusion)", "planner-mopa", base, rng,
                (0.02, 0.01, 0.02)),
        _system(entry, "RAG MoPA (reader)", "rag-mopa", base, rng, (0.003, 0.002, 0.05))]
    return {"settings": SETTINGS, "kind": "table", "description": "d", "systems": systems}


def _write(path, results):
    path.mkdir(parents=True, exist_ok=True)
    (path / "results.json").write_text(json.dumps(results), encoding="utf-8")


def test_the_rule_chooses_the_system_whose_weakest_gain_is_strongest(tmp_path, entry):
    _write(tmp_path / "sel", _results(entry))
    choice = choose(tmp_path / "sel", METRICS)
    assert choice["chosen"] == "Planner MoPA (reader_fusion)"
    assert choice["baseline"] == "RAG-Personalized" and choice["n"] == 40
    labels = {c["label"] for c in choice["candidates"]}
    assert labels == {"RAG MoPA (fusion)", "Planner MoPA (reader_fusion)", "RAG MoPA (reader)"}
    fusion = next(c for c in choice["candidates"] if c["label"] == "RAG MoPA (fusion)")
    assert fusion["t"]["meteor"] > 10 > 0 > fusion["t"]["rougeL"] == fusion["score"]
    assert json.loads((tmp_path / "sel" / CHOICE_FILE).read_text()) == choice


def test_the_choice_is_shown_with_its_selection_run_in_the_results_document(tmp_path, entry):
    runs = tmp_path / "runs"
    _write(runs / "reviews-selection" / "systems", _results(entry))
    choose(runs / "reviews-selection" / "systems", METRICS)
    text = write_results(str(runs), str(tmp_path / "results.md")).read_text()
    assert "| Planner MoPA (reader_fusion) **(chosen)** |" in text
    assert "Chosen by rule on `selection-half` (n = 40)" in text
    assert describe(json.loads((runs / "reviews-selection" / "systems" / CHOICE_FILE)
                               .read_text()))[0] in text


def test_without_the_baseline_the_rule_says_what_to_add(tmp_path, entry):
    _write(tmp_path / "sel", _results(entry, with_rag=False))
    with pytest.raises(ValueError, match="no RAG-Personalized in these results"):
        choose(tmp_path / "sel", METRICS)


def test_paired_t_of_a_constant_difference_is_its_sign():
    assert paired_t([0.2, 0.3], [0.1, 0.2]) == float("inf")
    assert paired_t([0.1, 0.2], [0.1, 0.2]) == 0.0
    assert paired_t([0.3, 0.2, 0.4], [0.1, 0.2, 0.1]) == pytest.approx(1.8898, abs=1e-3)


def _reading(path, ranks_by_item):
    """A reading whose item i (example i of the run) ranks systems as ``ranks_by_item[i]``."""
    path.mkdir(parents=True, exist_ok=True)
    rows = [{"item": i + 1, "id": f"ex{i}", "label": "A", "system": system,
             "text": f"{system} {i}", "coherence": 3, "fit": 3, "rank": rank,
             "picked_real": rank == 1}
            for i, ranks in enumerate(ranks_by_item) for system, rank in ranks.items()]
    (path / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_a_blind_reading_is_one_more_metric_and_only_what_was_read_can_be_chosen(tmp_path,
                                                                                   entry):
    _write(tmp_path / "sel", _results(entry))
    # The metric rule's choice, Planner MoPA (reader_fusion), is not read; readers put
    # RAG MoPA (reader) above RAG-Personalized on 5 of 6 examples and fusion below it.
    order = [{"true": 1, "rag-mopa-(reader)": 2, "rag-personalized": 3,
              "rag-mopa-(fusion)": 4}] * 5 + [
             {"true": 1, "rag-personalized": 2, "rag-mopa-(reader)": 3,
              "rag-mopa-(fusion)": 4}]
    reading = _reading(tmp_path / "reading", order)

    choice = choose(tmp_path / "sel", METRICS, reading)

    assert choice["chosen"] == "RAG MoPA (reader)"
    assert choice["metrics"] == [*METRICS, "readers"] and choice["reading"] == str(reading)
    by_label = {c["label"]: c for c in choice["candidates"]}
    assert set(by_label) == {"RAG MoPA (fusion)", "RAG MoPA (reader)"}
    assert by_label["RAG MoPA (reader)"]["gains"]["readers"] == pytest.approx(4 / 6)
    assert by_label["RAG MoPA (fusion)"]["gains"]["readers"] == pytest.approx(-7 / 6)
    assert "places above RAG, blind readers" in "\n".join(describe(choice))

    unread_baseline = _reading(tmp_path / "other", [{"true": 1, "rag-mopa-(reader)": 2}])
    with pytest.raises(ValueError, match="the reading has no RAG-Personalized"):
        choose(tmp_path / "sel", METRICS, unread_baseline)
