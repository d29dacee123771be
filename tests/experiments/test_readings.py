import json

from mopa.experiments.readings import readings_section


def _row(item, system, rank, text=None):
    return {"item": item, "id": f"e{item}", "label": "A", "system": system,
            "text": text or f"{system} {item}", "coherence": 5 - rank, "fit": 3, "rank": rank,
            "picked_real": rank == 1}


def test_each_reading_under_the_runs_gets_its_tally_and_the_command_that_made_its_items(tmp_path):
    reading = tmp_path / "blind" / "posts"
    reading.mkdir(parents=True)
    rows = [_row(i, s, r) for i in (1, 2) for s, r in (("true", 1), ("mopa", 2), ("rag", 3))]
    (reading / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (reading / "reading.json").write_text(json.dumps(
        {"command": ["mopa", "blind", "items", "runs/posts/systems", "--read", "rag,mopa"]}))

    section = readings_section(tmp_path)

    assert "### `blind/posts` (2 items)" in section
    assert "Items: `mopa blind items runs/posts/systems --read rag,mopa`" in section
    assert "| mopa | 2 | 3.00 | 3.00 | 2.00 | 0/2 |" in section
    assert "| mopa | rag | 2–0 | 0 | 0.500 |" in section
    assert readings_section(tmp_path / "blind" / "none") == ""
