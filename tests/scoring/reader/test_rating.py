from dataclasses import replace

from mopa.scoring.reader.rating import NOT_APPLICABLE, consistency, rating_of, sentiment
from mopa.scoring.registry import get_metric

RANT = ("This pedal is awful. It broke after two days and the noise is terrible. "
        "Worst purchase I have made, do not buy it.")
PRAISE = ("I love this pedal. The tone is wonderful and it is built like a tank. "
          "Best purchase I have made this year.")


def test_a_rant_is_consistent_with_one_star_not_five(review):
    assert sentiment(RANT) < 0 < sentiment(PRAISE)
    one, five = review(rating="1.0"), review(rating="5.0")
    assert get_metric("rating").score_one(RANT, one) > get_metric("rating").score_one(RANT, five)
    assert consistency(PRAISE, rating_of(five)) > consistency(PRAISE, rating_of(one))


def test_within_one_rating_the_matching_text_wins(review):
    assert consistency(RANT, 1.0) > consistency(PRAISE, 1.0)
    assert consistency(PRAISE, 5.0) > consistency(RANT, 5.0)


def test_the_rating_is_read_from_the_input(review):
    assert rating_of(review(rating="2.0")) == 2.0
    assert rating_of(review(rating="n/a")) is None


def test_tasks_without_a_rating_are_not_applicable(review):
    abstract = replace(review(), task="abstract_generation",
                       input='Generate an abstract for the title "Sparse codes" using the '
                             "following items: sparsity, coding")
    assert rating_of(abstract) is None
    scores = get_metric("rating").score_batch([RANT, PRAISE], [abstract, abstract])
    assert scores == [NOT_APPLICABLE, NOT_APPLICABLE]


def test_degenerate_outputs_score_worst(review):
    for text in ("", "Awful."):
        assert consistency(text, 1.0) == 0.0
    assert consistency(PRAISE, 1.0) > 0.0
