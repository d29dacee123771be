import optuna
import pytest

from mopa.data import load, select
from mopa.optimizers.holdout import draw_test, study_test_examples

optuna.logging.set_verbosity(optuna.logging.WARNING)
DATA = "demo:product_review"  # 12 examples
TASK = "product_review"


def test_test_draw_is_disjoint_by_id_seeded_and_keeps_dataset_order():
    examples = load(DATA)
    used = {ex.id for ex in select(examples, 5, how="random", seed=1)}
    test = draw_test(DATA, used, 4, None, 1, TASK)
    assert len(test) == 4 and not {ex.id for ex in test} & used
    assert draw_test(DATA, used, 4, None, 1, TASK) == test
    assert draw_test(DATA, used, 4, None, 2, TASK) != test
    order = [ex.id for ex in examples]
    assert [order.index(ex.id) for ex in test] == sorted(order.index(ex.id) for ex in test)
    assert {ex.id for ex in draw_test(DATA, used, None, DATA, 0, TASK)} == set(order) - used


def test_test_draw_says_what_is_missing():
    used = {ex.id for ex in load(DATA)[:10]}
    with pytest.raises(ValueError, match=r"--test-limit 3.*only 2 of the 12 examples of "
                                         r"demo:product_review.*lower --test-limit"):
        draw_test(DATA, used, 3, None, 0, TASK)
    with pytest.raises(ValueError, match="--test-limit must be >= 1, got 0"):
        draw_test(DATA, used, 0, None, 0, TASK)


def test_a_study_records_its_test_selection_and_reuses_it(tmp_path):
    study = optuna.create_study(storage=f"sqlite:///{tmp_path / 'o.db'}", study_name="s")
    used = {ex.id for ex in load(DATA)[:3]}
    assert study_test_examples(study, DATA, used, None, None, 0, TASK) is None
    recorded, test = study_test_examples(study, DATA, used, 4, None, 0, TASK)
    assert recorded == {"data": DATA, "limit": 4, "seed": 0, "ids": [ex.id for ex in test]}
    assert study.user_attrs["test_selection"] == recorded
    # A worker or a report without test flags gets the same examples back.
    assert study_test_examples(study, DATA, used, None, None, 5, TASK)[1] == test
    with pytest.raises(ValueError, match="already holds out.*limit 4.*asks for.*limit 2"):
        study_test_examples(study, DATA, used, 2, None, 0, TASK)
    with pytest.raises(ValueError, match="shares 1 example id"):
        study_test_examples(study, DATA, used | {test[0].id}, None, None, 0, TASK)


def test_test_data_of_another_task_is_refused():
    with pytest.raises(ValueError, match="holds abstract_generation examples, but the "
                                         "programs are for product_review"):
        draw_test(DATA, set(), None, "demo:abstract_generation", 0, TASK)
