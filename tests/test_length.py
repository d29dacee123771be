import pytest

from mopa.data import Example
from mopa.length import trim_to_sentence, user_token_budget


def _example(lengths):
    profile = tuple({"reviewText": " ".join(["w"] * n), "overall": "5.0"} for n in lengths)
    return Example(id="u-1", user_id="u", task="product_review", input="q", output="o",
                   profile=profile)


def test_budget_is_factor_times_median_in_tokens():
    ex = _example([10, 100, 200])  # median 100 words
    assert user_token_budget(ex, 1.0) == 130
    assert user_token_budget(ex, 1.5) == 195
    assert user_token_budget(ex, 2.0, tokens_per_word=1.0) == 200
    assert user_token_budget(ex, 1.0, count_tokens=lambda t: 2 * len(t.split())) == 200


def test_budget_is_clamped_and_has_a_fallback():
    assert user_token_budget(_example([3, 4, 5]), 1.0) == 32
    assert user_token_budget(_example([1000]), 2.0) == 512
    assert user_token_budget(_example([]), 1.5) == 256
    with pytest.raises(ValueError):
        user_token_budget(_example([10]), 0)


def test_budget_reads_the_tasks_text_field():
    ex = Example(id="a-1", user_id="a", task="abstract_generation", input="q", output="o",
                 profile=({"abstract": " ".join(["w"] * 50), "title": "t " * 400},))
    assert user_token_budget(ex, 1.0) == 65


@pytest.mark.parametrize("text, expected", [
    ("Great capo. Holds tight. The spring is", "Great capo. Holds tight."),
    ("Great capo! Holds tight?! And the spring", "Great capo! Holds tight?!"),
    ('He said "wow." Then the', 'He said "wow."'),
    ("Great capo. Holds tight.  ", "Great capo. Holds tight."),
    ("no sentence end at all", "no sentence end at all"),
    # cutting would drop more than half: kept whole
    ("Ok. this one sentence goes on and on without ever stopping",
     "Ok. this one sentence goes on and on without ever stopping"),
    # decimals and abbreviations followed by no space are not sentence ends
    ("Rated it 4.5 stars overall, 0.010 gauge. Strings are",
     "Rated it 4.5 stars overall, 0.010 gauge."),
    ("", ""),
])
def test_trim_to_sentence(text, expected):
    assert trim_to_sentence(text) == expected


def test_an_abstract_length_user_gets_the_budget_unclamped():
    # The real abstracts' mean target is 188 words (hugo dev file): 1.5x that in tokens must
    # fit under the ceiling, or every abstract would be cut short of its user's length.
    from mopa.length import MAX_TOKENS, TOKENS_PER_WORD, budget_from_words
    assert budget_from_words(188, 1.5) == round(1.5 * 188 * TOKENS_PER_WORD) < MAX_TOKENS
