"""concat: the drafts' sentences in order up to the target length, picking no draft."""

from mopa.programs.aggregators import get_aggregator
from mopa.programs.aggregators.concat import concat

DRAFTS = ["The tuner is accurate. It clips on easily.",
          "Accurate tuner. The display is bright on stage. It clips on easily."]


def test_concat_appends_sentences_in_order_up_to_the_target():
    assert concat(DRAFTS, target_words=10) == ("The tuner is accurate. It clips on easily. "
                                               "Accurate tuner.")
    assert concat(DRAFTS, None) == DRAFTS[0]


def test_concat_records_no_choice(context):
    aggregator = get_aggregator("concat")(context().config)
    result = aggregator.aggregate(DRAFTS, context(user_words=5.0, target_factor=2.0))
    assert result.choice is None and result.record() == {"output": concat(DRAFTS, 10.0)}
