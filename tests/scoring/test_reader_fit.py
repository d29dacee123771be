import math

import numpy as np
import pytest

from mopa.scoring.agreement import Candidate, agreement
from mopa.scoring.reader_fit import (
    ReaderModel,
    cross_validate,
    fit,
    folds_by_item,
    preference_pairs,
    system_indices,
)


def _items(n_items=8, seed=0):
    """Items of a real text and three systems; the reader's rank follows feature 0 (noise in
    feature 1, feature 2 constant)."""
    rng = np.random.default_rng(seed)
    candidates, rows = [], []
    for item in range(n_items):
        quality = rng.normal(size=3)
        order = np.argsort(-quality)
        ranks = {int(j): r + 2 for r, j in enumerate(order)}
        candidates.append(Candidate(f"r/{item}", f"e{item}", "true", "real", 5, 5, 1))
        rows.append([3.0, rng.normal(), 1.0])
        for j in range(3):
            candidates.append(Candidate(f"r/{item}", f"e{item}", f"s{j}", f"t{j}", 2, 2,
                                        ranks[j]))
            rows.append([quality[j], rng.normal(), 1.0])
    return candidates, np.array(rows)


def test_pairs_within_items_preferred_first():
    candidates, _ = _items(2)
    pairs = preference_pairs(candidates, range(len(candidates)))
    assert len(pairs) == 2 * 6
    assert all(candidates[a].item == candidates[b].item for a, b in pairs)
    assert all(candidates[a].rank < candidates[b].rank for a, b in pairs)


def test_fit_finds_the_feature_the_reader_follows():
    candidates, rows = _items()
    model = fit(("signal", "noise", "constant"), rows, candidates)
    assert model.weights[0] > 1.0 > abs(model.weights[1])
    assert model.weights[2] == 0.0 and model.scales[2] == 1.0  # a constant has no say
    assert model.n_items == 8 and model.n_pairs == 8 * 3  # fit on system outputs only
    scores = model.score_rows(rows)
    assert agreement(candidates, list(scores)).pairs_system == 1.0


def test_cross_validation_scores_each_item_by_a_model_fit_without_it():
    candidates, rows = _items()
    held_out = cross_validate(("signal", "noise", "constant"), rows, candidates)
    assert not any(math.isnan(v) for v in held_out)
    assert agreement(candidates, held_out).pairs_system > 0.9
    # Flipping the labels of item 0 alone cannot change item 0's held-out scores.
    flipped = [Candidate(c.item, c.example_id, c.system, c.text, c.coherence, c.fit,
                         5 - c.rank + 2 if c.item == "r/0" and not c.is_real else c.rank)
               for c in candidates]
    again = cross_validate(("signal", "noise", "constant"), rows, flipped)
    item0 = [i for i, c in enumerate(candidates) if c.item == "r/0"]
    assert [again[i] for i in item0] == [held_out[i] for i in item0]
    assert again != held_out


def test_folds_and_system_indices():
    candidates, _ = _items(3)
    assert [len(f) for f in folds_by_item(candidates)] == [4, 4, 4]
    assert len(system_indices(candidates)) == 9
    with pytest.raises(ValueError, match="at least 2 items"):
        folds_by_item(candidates[:4])


def test_model_round_trips_and_refuses_ragged_data():
    candidates, rows = _items()
    model = fit(("a", "b", "c"), rows, candidates, lm_role="scoring")
    again = ReaderModel.from_dict(model.as_dict())
    assert again.features == model.features and again.lm_role == "scoring"
    assert np.allclose(again.score_rows(rows), model.score_rows(rows), atol=1e-4)
    broken = {**model.as_dict(), "weights": [1.0]}
    with pytest.raises(ValueError, match="one entry each per feature"):
        ReaderModel.from_dict(broken)
