"""Reading predictions files: a killed writer's unfinished last line vs a broken file."""

import pytest

from mopa.jsonl import DataError
from mopa.runs.predictions import read_predictions

GOOD = '{"id": "a", "prediction": "one"}\n{"id": "b", "prediction": "two"}\n'


def test_an_unfinished_last_line_is_skipped(tmp_path):
    path = tmp_path / "predictions.jsonl"
    path.write_text(GOOD + '{"id": "c", "predic')
    assert sorted(read_predictions(path)) == ["a", "b"]


def test_a_last_line_without_newline_still_counts_when_whole(tmp_path):
    path = tmp_path / "predictions.jsonl"
    path.write_text(GOOD + '{"id": "c", "prediction": "three"}')
    assert sorted(read_predictions(path)) == ["a", "b", "c"]


@pytest.mark.parametrize("text, where", [
    ('{"id": "a", "predic\n' + GOOD, ":1:"),  # torn, but not the last line: the file is broken
    (GOOD + '{"id": "c"}', ":3: field 'prediction'"),  # whole JSON, a field missing
])
def test_other_damage_is_named(tmp_path, text, where):
    path = tmp_path / "predictions.jsonl"
    path.write_text(text)
    with pytest.raises(DataError, match=where):
        read_predictions(path)
