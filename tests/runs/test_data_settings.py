"""``DataSettings``: which examples a run uses (selection, a later slice, a limit)."""

import pytest

from mopa.data import load, select
from mopa.runs.settings import DataSettings


def test_skip_takes_a_later_slice_of_a_half_that_an_earlier_limit_did_not_use():
    test = select(load("demo:product_review"), how="test-half")
    first = DataSettings("demo:product_review", limit=2, selection="test-half").examples()
    later = DataSettings("demo:product_review", limit=2, skip=2,
                         selection="test-half").examples()
    assert first == test[:2] and later == test[2:4]
    assert {e.id for e in first}.isdisjoint({e.id for e in later})
    rest = DataSettings("demo:product_review", skip=1, selection="test-half").examples()
    assert rest == test[1:]


def test_skip_past_the_end_says_nothing_is_left_to_run():
    with pytest.raises(ValueError, match="--selection and --skip pick"):
        DataSettings("demo:product_review", skip=1000, selection="first").examples()


@pytest.mark.parametrize("kwargs, expected", [
    ({"skip": -1}, "--skip -1: expected N >= 0"),
    ({"skip": 2, "selection": "random"}, "--skip 2: expected 0 with --selection random"),
])
def test_a_bad_skip_names_the_flag_and_what_to_pass(kwargs, expected):
    with pytest.raises(ValueError, match=expected):
        DataSettings("demo:product_review", limit=2, **kwargs)


def test_the_python_load_takes_the_same_slice_as_the_flags():
    from mopa.api import load as api_load

    assert api_load("demo:product_review", 2, "test-half", 0, skip=2) == DataSettings(
        "demo:product_review", limit=2, skip=2, selection="test-half").examples()
