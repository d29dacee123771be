from mopa.data import Example
from mopa.splits import selection_test_split


def _examples(n):
    return [Example(id=f"user{i}-x", user_id=f"user{i}", task="product_review", input="q",
                    output="o") for i in range(n)]


def test_halves_are_disjoint_and_cover_everything():
    examples = _examples(41)
    selection, test = selection_test_split(examples)
    ids = [ex.id for ex in selection + test]
    assert len(selection) == 20 and len(test) == 21
    assert sorted(ids) == sorted(ex.id for ex in examples)
    assert not {ex.id for ex in selection} & {ex.id for ex in test}


def test_stable_under_reordering_and_seeded():
    examples = _examples(40)
    selection, _ = selection_test_split(examples)
    again, _ = selection_test_split(list(reversed(examples)))
    assert {ex.id for ex in again} == {ex.id for ex in selection}
    # data order is kept inside a half
    assert [ex.id for ex in selection] == [ex.id for ex in examples if ex in selection]
    other, _ = selection_test_split(examples, seed=1)
    assert {ex.id for ex in other} != {ex.id for ex in selection}
