import json

import pytest

from mopa.data import DataError, Example, load, load_file, select
from tests.conftest import review_record


def test_load_jsonl_normalizes_review(write_jsonl):
    path = write_jsonl([review_record("a"), review_record("b", n_profile=0)])
    examples = load(str(path))
    assert [ex.user_id for ex in examples] == ["a", "b"]
    assert examples[0].task == "product_review"
    assert len(examples[0].profile) == 3
    assert examples[0].latest_text() == "review number 2 by a about strings and capo 2"
    assert examples[1].profile == () and examples[1].latest_text() == ""  # cold start is valid


def test_ids_are_stable_and_unique(write_jsonl):
    path = write_jsonl([review_record("a"), review_record("a")])
    first = load_file(path)
    again = load_file(path)
    assert [e.id for e in first] == [e.id for e in again]
    assert len({e.id for e in first}) == 2


def test_all_three_tasks(write_jsonl):
    abstract = {"name": "Ada", "input": 'Generate an abstract for the title "X" using the '
                "following items: a, b", "output": "Text.",
                "profile": [{"title": "t", "abstract": "a b c", "id": "1", "year": 2001}]}
    topic = {"author": "bob", "input": "Generate the content for a reddit post about cats",
             "output": "Cats.", "profile": [{"summary": "s", "content": "c", "id": "9",
                                              "author": "bob"}]}
    examples = [*load_file(write_jsonl([abstract], "a.jsonl")),
                *load_file(write_jsonl([topic], "t.jsonl"))]
    assert [e.task for e in examples] == ["abstract_generation", "topic_writing"]
    assert examples[0].latest_text() == "a b c"
    # One file holds one task: a run's prompts and scores are for one task.
    with pytest.raises(DataError, match="line 1 is abstract_generation"):
        load_file(write_jsonl([abstract, topic]))


def test_json_file(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([review_record("z")]))
    assert load(str(path))[0].user_id == "z"


@pytest.mark.parametrize(
    "bad, line, field",
    [
        ("{not json", 2, None),
        (json.dumps({k: v for k, v in review_record().items() if k != "output"}), 2, "output"),
        (json.dumps(review_record(output=3)), 2, "output"),
        (json.dumps(review_record(profile="nope")), 2, "profile"),
        (json.dumps(review_record(profile=[{"overall": "1"}])), 2, "profile[0].reviewText"),
        (json.dumps({"input": "x", "output": "y", "profile": []}), 2, None),
    ],
)
def test_bad_input_names_file_line_field(write_jsonl, bad, line, field):
    path = write_jsonl([review_record("ok"), bad, review_record("after")])
    with pytest.raises(DataError) as err:
        load_file(path)
    assert err.value.line == line and err.value.field == field
    assert str(path) in str(err.value) and f":{line}:" in str(err.value)
    if field:
        assert repr(field) in str(err.value)


def test_missing_file_and_unknown_sources():
    with pytest.raises(FileNotFoundError, match="nope.jsonl"):
        load("nope.jsonl")
    with pytest.raises(ValueError, match="product_review_temporal"):
        load("longlamp:email_temporal")
    with pytest.raises(ValueError, match="'val'"):
        load("longlamp:product_review_temporal:validation")
    with pytest.raises(ValueError, match="unknown task"):
        load("demo:email")


def _examples(sizes):
    return [Example(f"id{i}", f"u{i}", "product_review", "q", "o",
                    tuple({"reviewText": "t"} for _ in range(n))) for i, n in enumerate(sizes)]


def test_select_rules():
    exs = _examples([1, 5, 2, 5, 0, 3])
    assert [e.id for e in select(exs, 2)] == ["id0", "id1"]
    # the report's rule: most profile items, ties by dataset order, result in dataset order
    assert [e.id for e in select(exs, 3, how="most-profile")] == ["id1", "id3", "id5"]
    r1 = select(exs, 3, how="random", seed=1)
    assert r1 == select(exs, 3, how="random", seed=1) and len(r1) == 3
    assert select(exs, None) == exs and select(exs, 99) == exs
    with pytest.raises(ValueError, match="most-profile"):
        select(exs, 2, how="best")


def test_the_halves_are_disjoint_seeded_and_limit_takes_the_first_of_a_half():
    from mopa.data import load, select

    examples = load("demo:product_review")
    sel, test = select(examples, how="selection-half"), select(examples, how="test-half")
    assert {e.id for e in sel}.isdisjoint({e.id for e in test})
    assert len(sel) + len(test) == len(examples)
    assert select(examples, 2, how="test-half") == test[:2]
    assert select(examples, how="test-half", seed=1) != test


def test_a_half_can_be_a_source_of_its_own():
    from mopa.data import load, select

    examples = load("demo:product_review")
    assert load("test-half:demo:product_review") == select(examples, how="test-half")
    assert load("selection-half:demo:product_review") == select(examples, how="selection-half")
