"""The demo datasets shipped in `mopa/demo/` are valid LongLaMP records."""

import json
import re
from pathlib import Path

import pytest

from mopa.tasks import TASKS

DEMO_DIR = Path(__file__).resolve().parent.parent / "mopa" / "demo"

INPUT_PATTERNS = {
    "product_review": re.compile(
        r"Generate the review text written by a reviewer who has a given an overall rating of "
        r'"\d\.\d" for a product with description "[^"]*"\. '
        r'The summary of the review text is "[^"]+"\.'
    ),
    "abstract_generation": re.compile(
        r'Generate an abstract for the title "[^"]+" using the following items: '
        r"[^,]+(?:, [^,]+)+"
    ),
    "topic_writing": re.compile(r"Generate the content for a reddit post \S.*"),
}

PROFILE_TYPES = {
    "product_review": {"description": str, "overall": float, "reviewText": str, "summary": str},
    "abstract_generation": {"abstract": str, "id": str, "title": str, "year": int},
    "topic_writing": {"author": str, "content": str, "id": str, "summary": str},
}


def load(task_name: str) -> list[dict]:
    lines = (DEMO_DIR / f"{task_name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(params=sorted(TASKS))
def task(request):
    return TASKS[request.param]


def test_each_file_parses_and_has_enough_users(task):
    records = load(task.name)
    assert len(records) >= 6
    assert all(len(r["profile"]) >= 4 for r in records)


def test_user_ids_are_unique(task):
    ids = [r[task.user_field] for r in load(task.name)]
    assert len(set(ids)) == len(ids)


def test_example_fields_and_types(task):
    for record in load(task.name):
        assert set(record) == {task.user_field, "input", "output", "profile"}
        assert isinstance(record[task.user_field], str) and record[task.user_field]
        assert isinstance(record["output"], str) and record["output"].strip()
        assert isinstance(record["profile"], list)


def test_profile_items_have_the_right_fields_and_types(task):
    types = PROFILE_TYPES[task.name]
    for record in load(task.name):
        for item in record["profile"]:
            assert set(item) == set(types)
            for field, expected in types.items():
                # bool is an int subclass; a year must not be True.
                assert type(item[field]) is expected, (field, item[field])
            assert item[task.text_field].strip()


def test_inputs_match_the_longlamp_template(task):
    pattern = INPUT_PATTERNS[task.name]
    for record in load(task.name):
        assert pattern.fullmatch(record["input"]), record["input"]


def test_review_inputs_show_the_rating_like_the_real_data():
    for record in load("product_review"):
        rating = re.search(r'rating of "([^"]+)"', record["input"]).group(1)
        assert rating in {"1.0", "2.0", "3.0", "4.0", "5.0"}


def test_abstract_profiles_are_lowercased_and_tokenized_but_outputs_are_not():
    for record in load("abstract_generation"):
        years = [item["year"] for item in record["profile"]]
        assert years == sorted(years), "profiles are chronological (temporal setting)"
        for item in record["profile"]:
            for field in ("title", "abstract"):
                assert item[field] == item[field].lower()
                assert not re.search(r"\w[,()]|[,()]\w", item[field]), item[field]
        assert record["output"] != record["output"].lower()


def test_topic_profile_items_carry_their_author():
    for record in load("topic_writing"):
        assert {item["author"] for item in record["profile"]} == {record["author"]}
