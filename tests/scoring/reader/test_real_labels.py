"""On the blind reader labels (real dev data, absent from CI): every proxy scores the users' real
texts, which the reader ranked first in every item, above the system outputs on average."""

from statistics import fmean

import pytest

from mopa.data import load_file
from mopa.scoring.agreement import examples_for, label_files, load_labels, score_candidates
from mopa.scoring.registry import get_metric
from tests.conftest import SHARED_DATA

JUDGMENTS = SHARED_DATA.parent / "judgments"
DATA = SHARED_DATA / "amazon_mi_product_review_temporal.dev300.jsonl"


@pytest.fixture(scope="module")
def labelled():
    if not DATA.exists() or not JUDGMENTS.is_dir():
        pytest.skip(f"real data or labels not present at {SHARED_DATA.parent}")
    candidates = load_labels(label_files(JUDGMENTS))
    return candidates, examples_for(candidates, load_file(DATA))


@pytest.mark.parametrize("name", ["repetition", "leakage", "rating", "topic"])
def test_real_texts_score_above_system_outputs(labelled, name):
    candidates, examples = labelled
    scores = score_candidates(get_metric(name), candidates, examples)
    real = fmean(s for s, c in zip(scores, candidates, strict=True) if c.is_real)
    system = fmean(s for s, c in zip(scores, candidates, strict=True) if not c.is_real)
    assert real > system
