from mopa.scoring.reader.leakage import leakage_score, leaked_share, template_ngrams
from mopa.scoring.registry import get_metric

CLEAN = ("This capo holds tight on my Martin and never buzzes. The spring is strong but easy to "
         "squeeze with one hand.")
PAST = ("I have a really weird pedalboard set up involving an EHX digital memory man looped "
        "back into itself and another split earlier in the pedal chain.")


def test_a_leaked_rating_and_summary_label_is_detected(review):
    example = review()
    leaked = "5.0. Summary: Holds tight. " + CLEAN
    assert leakage_score(leaked, example) <= 0.5 < leakage_score(CLEAN, example)
    assert leakage_score(CLEAN, example) == 1.0


def test_a_next_record_after_the_text_is_leaked(review):
    example = review()
    ran_on = CLEAN + "\nRating: 4.0. Summary: Good strings.\nReview: These strings are fine."
    share, marker = leaked_share(ran_on, template_ngrams(example), set())
    assert marker and share > 0.3
    assert leakage_score(ran_on, example) < leakage_score(CLEAN, example)


def test_the_task_sentence_copied_is_leaked_but_the_summary_is_not(review):
    example = review(summary="Holds tight and never buzzes")
    restated = "Holds tight and never buzzes. " + CLEAN
    instruction = "Generate the review text written by a reviewer who loves it. " + CLEAN
    assert leakage_score(restated, example) == 1.0
    assert leakage_score(instruction, example) < 1.0


def test_a_past_review_copied_from_the_prompt_is_leaked(review):
    example = review(past=(PAST,))
    assert leakage_score(PAST, example) < 0.1
    assert leakage_score(PAST, review()) == 1.0  # the same words, not in this user's prompt


def test_degenerate_outputs_score_worst(review):
    for text in ("", "Summary:", "5.0. Summary:"):
        assert leakage_score(text, review()) == 0.0


def test_registered_batch_matches_one_by_one(review):
    metric = get_metric("leakage")
    assert metric.higher_is_better and not metric.uses_reference and metric.uses_profile
    examples = [review(past=(PAST,)), review(past=(PAST,)), review()]
    texts = [CLEAN, PAST, "Review: " + CLEAN]
    assert metric.score_batch(texts, examples) == [leakage_score(t, e)
                                                   for t, e in zip(texts, examples, strict=True)]
