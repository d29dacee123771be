import json
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL_REVIEWS = SHARED_DATA / "amazon_mi_product_review_temporal.dev.jsonl"


@pytest.fixture
def real_reviews() -> Path:
    if not REAL_REVIEWS.exists():
        pytest.skip(f"real data not present at {REAL_REVIEWS}")
    return REAL_REVIEWS


def review_record(user="u1", n_profile=3, **overrides):
    record = {
        "reviewerId": user,
        "input": ('Generate the review text written by a reviewer who has a given an overall '
                  'rating of "5.0" for a product with description "A capo". The summary of the '
                  'review text is "Holds tight".'),
        "output": "This capo holds tight and never buzzes.",
        "profile": [
            {"description": f"item {i}", "overall": "4.0", "summary": f"summary {i}",
             "reviewText": f"review number {i} by {user} about strings and capo {i}"}
            for i in range(n_profile)
        ],
    }
    record.update(overrides)
    return record


@pytest.fixture
def write_jsonl(tmp_path):
    def write(records, name="data.jsonl"):
        path = tmp_path / name
        path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records)
                        + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True)
def _fresh_dspy_settings(monkeypatch):
    """Like DSPy's own tests: no disk cache, no settings leaking between tests. The cache is
    a fresh in-memory one: a cached LM (the fake judge) must not replay ~/.dspy_cache entries
    of an earlier test run, which would spend no tokens and hide what a run costs."""
    import dspy
    from dspy.clients.cache import Cache

    monkeypatch.setattr(dspy, "cache", Cache(False, True, None, memory_max_entries=10_000))
    dspy.settings.configure(lm=None, adapter=None, callbacks=[], track_usage=False)
    yield
