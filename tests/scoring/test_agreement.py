import json
import math

import pytest

from mopa.data import Example
from mopa.scoring.agreement import (
    Candidate,
    agreement,
    examples_for,
    label_files,
    load_labels,
    metric_agreement,
    pair_agreement,
    spearman,
)
from mopa.scoring.registry import Metric


def cand(item, system, rank, coherence=3, fit=3, text="t", example_id="e1"):
    return Candidate(item=item, example_id=example_id, system=system, text=text,
                     coherence=coherence, fit=fit, rank=rank)


# Item 1: the reader ranked real > a > b > c; item 2: x > y.
TOY = [cand("r/1", "true", 1, 5, 5), cand("r/1", "a", 2, 3, 2), cand("r/1", "b", 3, 2, 2),
       cand("r/1", "c", 4, 1, 1), cand("r/2", "x", 1, 4, 3), cand("r/2", "y", 2, 2, 1)]


def test_pairs_are_counted_within_items_with_ties_as_half():
    perfect = [9, 8, 7, 6, 2, 1]
    assert pair_agreement(TOY, perfect) == (1.0, 6 + 1)
    reversed_ = [-s for s in perfect]
    assert pair_agreement(TOY, reversed_) == (0.0, 7)
    # Item 2's pair scored higher than all of item 1 changes nothing: no cross-item pairs.
    assert pair_agreement(TOY, [9, 8, 7, 6, 100, 99]) == (1.0, 7)
    constant = [1.0] * 6
    assert pair_agreement(TOY, constant) == (0.5, 7)


def test_equal_reader_ranks_are_not_a_pair():
    tied = [cand("r/1", "a", 1), cand("r/1", "b", 1), cand("r/1", "c", 2)]
    share, pairs = pair_agreement(tied, [0, 5, 1])
    assert pairs == 2 and share == 0.5  # a (rank 1) loses to c, b beats c


def test_spearman_matches_hand_computed_values():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # Ranks x = 1, 2.5, 2.5, 4 against y = 1..4: cov 4.5, var_x 4.5, var_y 5.
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(4.5 / math.sqrt(4.5 * 5))
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_agreement_reports_system_only_and_all():
    scores = [0, 3, 2, 1, 2, 1]  # orders systems as the reader did, puts the real text last
    a = agreement(TOY, scores)
    assert (a.pairs_system, a.n_pairs_system) == (1.0, 4)
    assert a.n_pairs_all == 7 and a.pairs_all == pytest.approx(4 / 7)
    assert a.n_system == 5 and a.n_all == 6
    assert a.rho_fit_system > 0.5
    flipped = agreement(TOY, [-s for s in scores], higher_is_better=False)
    assert flipped == a
    without_real = agreement(TOY, scores, include_real=False)
    assert without_real.pairs_all is None and without_real.rho_fit_all is None
    assert without_real.pairs_system == 1.0


def test_labels_load_from_a_judgments_folder_and_attach_examples(tmp_path):
    folder = tmp_path / "reading1"
    folder.mkdir()
    rows = [{"item": 1, "id": "e1", "label": "A", "system": "true", "text": "real text",
             "coherence": 5, "fit": 5, "rank": 1, "picked_as_real": True},
            {"item": 1, "id": "e1", "label": "B", "system": "rag", "text": "system text",
             "coherence": 2, "fit": 1, "rank": 2, "picked_as_real": False}]
    (folder / "labels.jsonl").write_text("\n".join(map(json.dumps, rows)) + "\n")
    candidates = load_labels(label_files(tmp_path))
    assert [c.item for c in candidates] == ["reading1/1", "reading1/1"]
    assert candidates[0].is_real and not candidates[1].is_real
    example = Example(id="e1", user_id="u", task="product_review", input="q", output="real text")
    assert examples_for(candidates, [example]) == [example, example]
    with pytest.raises(ValueError, match="not in the data"):
        examples_for(candidates, [])


def test_bad_label_files_are_refused_with_the_field(tmp_path):
    with pytest.raises(FileNotFoundError, match="labels.jsonl"):
        label_files(tmp_path)
    bad = tmp_path / "labels.jsonl"
    bad.write_text(json.dumps({"item": 1, "id": "e1", "system": "a", "text": "t",
                               "coherence": "high", "fit": 1, "rank": 1}) + "\n")
    with pytest.raises(ValueError, match="coherence"):
        load_labels([bad])


def test_a_reference_metric_is_measured_on_system_outputs_only():
    def overlap(predictions, examples):
        return [float(p == e.output) for p, e in zip(predictions, examples, strict=True)]

    metric = Metric(name="toy-ref", label="toy", score=overlap, uses_reference=True)
    example = Example(id="e1", user_id="u", task="product_review", input="q", output="t")
    a = metric_agreement(metric, TOY, [example] * len(TOY))
    assert a.pairs_all is None and a.n_pairs_system == 4
