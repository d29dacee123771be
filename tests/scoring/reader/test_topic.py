from dataclasses import replace

from mopa.scoring.reader.topic import NOT_APPLICABLE, coverage, topic_stems
from mopa.scoring.registry import get_metric

ON_TOPIC = ("These picks have a logo molded in, which gives my fingers purchase. The purple ones "
            "are my favorite for pickin on the porch.")
WRONG_PRODUCT = ("This is a great small studio microphone and has a very good sound. I keep it "
                 "next to my studio headphones.")


def test_the_text_about_the_summary_scores_above_the_wrong_product(review):
    example = review(summary="pickin and grinnin in purple picks")
    metric = get_metric("topic")
    on, off = metric.score_batch([ON_TOPIC, WRONG_PRODUCT], [example, example])
    assert on > off
    assert off == 0.0


def test_topic_words_are_stemmed_content_words_without_the_rating(review):
    stems = topic_stems(review(rating="5.0", summary="The picks are great"))
    assert stems == {"pick", "great"}
    assert coverage("I bought a pick and it is great.", stems) == 1.0
    assert coverage("I bought a pick and it broke.", stems) == 0.5


def test_no_topic_words_is_not_applicable(review):
    assert coverage(WRONG_PRODUCT, topic_stems(review(summary="it is what it is"))) == \
        NOT_APPLICABLE
    custom = replace(review(), input="Write something nice.")
    assert topic_stems(custom) == set()


def test_degenerate_outputs_score_worst(review):
    stems = topic_stems(review(summary="purple picks"))
    assert coverage("", stems) == coverage("Purple picks", stems) == 0.0
    assert coverage(ON_TOPIC, stems) > 0.0
