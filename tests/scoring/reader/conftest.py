import pytest

from mopa.data import Example, example_id

REVIEW_INPUT = ('Generate the review text written by a reviewer who has a given an overall rating '
                'of "{rating}" for a product with description "". The summary of the review text '
                'is "{summary}".')


@pytest.fixture
def review():
    """A product-review example for a rating and summary, with the given past review texts."""
    def make(rating="5.0", summary="Great strings", past=()):
        text = REVIEW_INPUT.format(rating=rating, summary=summary)
        profile = tuple({"overall": "5.0", "summary": f"past {i}", "description": "",
                         "reviewText": t} for i, t in enumerate(past))
        return Example(id=example_id("u", text), user_id="u", task="product_review",
                       input=text, output="The real review.", profile=profile)
    return make
