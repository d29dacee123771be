from mopa.scoring.reader.reader import MODEL
from mopa.scoring.registry import get_metric, metrics


def test_the_stored_model_combines_registered_proxies():
    known = metrics()
    assert MODEL.features and all(name in known for name in MODEL.features)
    assert len(MODEL.weights) == len(MODEL.features) and MODEL.n_items > 0
    reader = get_metric("reader")
    assert reader.lm_role == MODEL.lm_role and not reader.uses_reference


def test_reader_prefers_a_clean_on_topic_review_to_a_looped_off_topic_one(review):
    example = review(rating="1.0", summary="Strings broke in a week",
                     past=("These strings sound bright and last long.",))
    good = ("I was disappointed. The strings broke within a week of light playing, and the "
            "replacement set went dull just as fast. I will not buy these strings again.")
    bad = ("Great amp, love it. Great amp, love it. Great amp, love it. Great amp, love it. "
           "Five stars for this amp, great amp.")
    reader = get_metric("reader")
    lm = None
    if reader.needs_lm:
        from mopa.lm.factory import make_lm

        lm = make_lm("fake")
    good_score, bad_score, empty = reader.score_batch([good, bad, ""], [example] * 3, lm=lm)
    assert good_score > 0.5 > bad_score >= empty
    assert all(0.0 <= s <= 1.0 for s in (good_score, bad_score, empty))
