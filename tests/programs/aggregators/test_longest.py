"""longest: the longest draft; ties go to the first."""

from mopa.programs.aggregators import get_aggregator

DRAFTS = ["The tuner is accurate and the display is bright.",
          "Accurate tuner, bright display, and it holds its tuning well on stage.",
          "I like pizza."]


def test_longest_and_ties_go_to_the_first(context):
    ctx = context(aggregator="longest")
    longest = get_aggregator("longest")(ctx.config)
    assert longest.aggregate(DRAFTS, ctx).choice == 1
    assert longest.aggregate(DRAFTS, ctx).scores == (9.0, 12.0, 3.0)
    assert longest.aggregate(["a b", "c d"], ctx).choice == 0
