import pytest
from rank_bm25 import BM25Okapi

from mopa.data import Example, load, load_file
from mopa.retrieval import profile_block, retrieve
from mopa.tasks import TASKS


def _official_top(ex: Example, k: int) -> list[int]:
    spec = ex.spec
    docs = [spec.document(item) for item in ex.profile]
    bm25 = BM25Okapi([d.split() for d in docs])
    top_docs = bm25.get_top_n(spec.query(ex.input).split(), docs, n=k)
    # map documents back to indices (documents may repeat: take them in order)
    used, out = set(), []
    for d in top_docs:
        i = next(i for i, doc in enumerate(docs) if doc == d and i not in used)
        used.add(i)
        out.append(i)
    return out


def _check_against_official(examples, k=4):
    checked = 0
    for ex in examples:
        if not ex.profile:
            continue
        got = retrieve(ex, k=k, max_words=None)
        official = _official_top(ex, k)
        assert sorted(r.index for r in got) == sorted(official), ex.id
        assert [r.index for r in got] == sorted(official, reverse=True)  # most recent first
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("task", list(TASKS))
def test_top_k_matches_rank_bm25_on_demo(task):
    _check_against_official(load(f"demo:{task}"))


def test_top_k_matches_rank_bm25_on_real_data(real_reviews):
    _check_against_official(load_file(real_reviews))


def test_query_and_document_follow_official_fields():
    spec = TASKS["abstract_generation"]
    assert spec.query('Generate an abstract for the title "T" using the following items: '
                      "doa, arrays") == "doa, arrays"
    assert spec.document({"title": "t1", "abstract": "a1", "id": "x", "year": 1}) == "t1 a1"
    review = TASKS["product_review"]
    item = {"overall": "5.0", "summary": "S", "description": "D", "reviewText": "R"}
    assert review.document(item) == "5.0 S D R"


def test_an_abstract_without_keywords_is_retrieved_by_its_title():
    spec = TASKS["abstract_generation"]
    sentence = 'Generate an abstract for the title "Bayesian optics" using the following items: '
    assert "Bayesian optics" in spec.query(sentence)
    profile = tuple({"title": t, "abstract": a} for t, a in (
        ("Bayesian optics", "We study optics the Bayesian way."),
        ("Graph cuts", "Cuts on graphs."), ("Protein folds", "Folding."),
        ("Sparse codes", "Codes."), ("Deep nets", "Nets.")))
    ex = Example("x", "u", "abstract_generation", sentence, "o", profile)
    assert 0 in [r.index for r in retrieve(ex, k=2)]


def test_items_are_cut_and_shown_like_the_new_text_header():
    ex = Example("x", "u", "product_review", "great strings", "o", tuple(
        {"overall": "5", "summary": f"s{i}", "reviewText": ("great strings " * 80) + str(i)}
        for i in range(6)))
    got = retrieve(ex, k=4, max_words=100)
    assert len(got) == 4
    assert all(len(r.text.split("\nReview: ")[1].split()) == 100 for r in got)
    assert got[0].text.startswith('Rating: 5. Summary: s5.\nReview: great strings')
    assert profile_block(got).count("\n\nRating: 5.") == 3
    assert ex.spec.describe_input('Generate the review text written by a reviewer who has a '
                                  'given an overall rating of "3.0" for a product with '
                                  'description "". The summary of the review text is "Meh".'
                                  ) == "Rating: 3.0. Summary: Meh."
    assert ex.spec.describe_input("free-form request") == "free-form request"
    assert profile_block([]) == "(no past writing available)"
    with pytest.raises(ValueError, match="k must be"):
        retrieve(ex, k=0)
