import json

import pytest

from mopa.cli import main
from mopa.data import Example
from mopa.runs.settings import DataSettings
from mopa.runs.store import RunStore
from mopa.scoring.agreement import load_labels
from mopa.scoring.blind import candidate_texts, labels, make_items, read_verdicts, tally
from tests.conftest import review_record


def _examples(n=3):
    return [Example(id=f"e{i}", user_id="u", task="product_review",
                    input=f"a capo number {i}", output=f"the real review {i}\n\nsecond para",
                    profile=({"reviewText": f"old review {i}", "overall": "4.0",
                              "summary": "fine"},)) for i in range(n)]


def _outputs(examples):
    return {s: {ex.id: f"{s} wrote about {ex.id}" for ex in examples} for s in ("rag", "mopa")}


def test_items_hide_the_systems_and_every_candidate_reads_back_from_them():
    examples = _examples()
    text, key = make_items(examples, _outputs(examples), seed=3)

    assert "(Rating: 4.0. Summary: fine.) old review 0" in text
    texts = candidate_texts(text)
    for number, labelled in key.items():
        systems = {lab: s for lab, s in labelled.items() if lab != "id"}
        assert sorted(systems.values()) == ["mopa", "rag", "true"]
        for lab, system in systems.items():
            example = labelled["id"]
            expected = (f"the real review {example[1:]}\n\nsecond para" if system == "true"
                        else f"{system} wrote about {example}")
            assert texts[number][lab] == expected
    assert make_items(examples, _outputs(examples), seed=3)[1] == key  # reproducible
    with pytest.raises(ValueError, match="e0 has no output from rag"):
        make_items(examples, {"rag": {}})


def _verdict(item, order, real=None):
    return {"item": item, "scores": {lab: {"coherence": 5 - i, "fit": 4} for i, lab in
                                     enumerate(order)}, "rank": list(order),
            "real": real or order[0]}


def test_a_bad_verdict_is_refused_naming_the_file_item_and_field(tmp_path):
    key = {"1": {"id": "e0", "A": "true", "B": "rag"}}
    path = tmp_path / "verdicts.json"
    cases = {
        "'scores' must score every label A, B": {**_verdict(1, "AB"), "scores": {"A": {}}},
        "B.fit must be 1-5, got 7": {**_verdict(1, "AB"), "scores": {
            "A": {"coherence": 1, "fit": 1}, "B": {"coherence": 1, "fit": 7}}},
        "'rank' must order every label once": {**_verdict(1, "AB"), "rank": ["A", "A"]},
        "'item' must be an item number": _verdict(9, "AB"),
    }
    for message, verdict in cases.items():
        path.write_text(json.dumps([verdict]))
        with pytest.raises(ValueError, match=message) as caught:
            read_verdicts(path, key)
        assert str(path) in str(caught.value)
    path.write_text('[{"item": 1,\n oops}]')
    with pytest.raises(ValueError, match=r"verdicts.json:2: not valid JSON"):
        read_verdicts(path, key)


def test_the_tally_counts_means_wins_and_a_sign_test():
    key = {str(i): {"id": f"e{i}", "A": "true", "B": "mopa", "C": "rag"} for i in (1, 2, 3)}
    verdicts = [_verdict(1, "ABC"), _verdict(2, "ABC"), _verdict(3, "ACB", real="C")]
    texts = {str(i): {"A": "real", "B": f"mopa {i}", "C": f"rag {i}"} for i in (1, 2, 3)}
    rows = labels(key, verdicts, texts)

    systems, pairs = tally(rows)

    assert list(systems) == ["true", "mopa", "rag"]
    assert systems["mopa"]["rank"] == pytest.approx(7 / 3)
    assert systems["rag"]["taken_for_real"] == 1
    mopa_rag = next(p for p in pairs if {p.first, p.second} == {"mopa", "rag"})
    assert (mopa_rag.first, mopa_rag.wins, mopa_rag.losses) == ("mopa", 2, 1)
    assert mopa_rag.p == 1.0
    assert next(p for p in pairs if p.second == "mopa").p == 0.25  # 3-0: 2 * 1/8

    texts["3"]["C"] = "mopa 3"  # both wrote the same text: the reader's order is arbitrary
    mopa_rag = next(p for p in tally(labels(key, verdicts, texts))[1]
                    if {p.first, p.second} == {"mopa", "rag"})
    assert (mopa_rag.wins, mopa_rag.losses, mopa_rag.ties) == (2, 0, 1)


def test_blind_items_then_labels_from_an_experiment_directory(tmp_path, write_jsonl, capsys):
    data = write_jsonl([review_record(user=f"u{i}", n_profile=2) for i in range(3)])
    examples = DataSettings(str(data)).examples()
    experiment = tmp_path / "systems"
    entries = []
    for label, folder in (("RAG-Personalized", "rag-personalized"),
                          ("RAG MoPA (reader)", "rag-mopa-(reader)")):
        with RunStore(experiment / folder, {"system": label}) as store:
            for ex in examples:
                store.append({"id": ex.id, "raw_prediction": f"{label} on {ex.user_id}",
                              "prediction": f"{label} on {ex.user_id}"})
        entries.append({"label": label, "run_dir": f"somewhere/else/{folder}"})
    (experiment / "results.json").write_text(json.dumps({
        "settings": {"data": str(data), "limit": None, "selection": "first", "seed": 0,
                     "skip": 0, "clean": True}, "systems": entries}))
    reading = tmp_path / "reading"

    assert main(["blind", "items", str(experiment), "--read",
                 "RAG-Personalized,rag-mopa-(reader)", "--items", "2", "--out",
                 str(reading)]) == 0
    key = json.loads((reading / "key.json").read_text())
    made = json.loads((reading / "reading.json").read_text())
    assert made["command"][:4] == ["mopa", "blind", "items", str(experiment)]
    assert main(["blind", "labels", str(reading)]) == 2  # no verdicts yet: a one-line error
    assert "no verdicts.json" in capsys.readouterr().err
    (reading / "verdicts.json").write_text(json.dumps(
        [_verdict(int(n), sorted(k for k in key[n] if k != "id")) for n in key]))

    assert main(["blind", "labels", str(reading)]) == 0

    candidates = load_labels([reading / "labels.jsonl"])
    assert len(candidates) == 6
    assert {c.text for c in candidates if c.system == "RAG-Personalized"} == {
        f"RAG-Personalized on {ex.user_id}" for ex in examples[:2]}
    assert "| ranked above | over |" in capsys.readouterr().out
