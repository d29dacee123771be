from mopa.scoring.reader.repetition import (
    duplicate_sentence_share,
    repeated_ngram_share,
    repetition_score,
)
from mopa.scoring.registry import get_metric

CLEAN = ("These strings sound bright and stay in tune for weeks. The coating feels smooth under "
         "my fingers. I will buy them again for my acoustic.")
LOOPED = ("These strings sound bright and stay in tune. I have owned several guitars over the "
          "years. I have had several guitars over the years. These strings sound bright and "
          "stay in tune.")


def test_a_looped_text_scores_below_a_clean_one():
    assert repetition_score(LOOPED) < repetition_score(CLEAN)
    assert repetition_score(CLEAN) > 0.95


def test_near_duplicate_sentences_count_even_when_worded_differently():
    # "owned" vs "had": not an exact copy, but most of its content words repeat.
    assert duplicate_sentence_share(LOOPED) >= 0.5
    assert duplicate_sentence_share(CLEAN) == 0.0


def test_a_phrase_loop_inside_one_sentence_is_caught_by_ngrams():
    loop = "It's a mini, it's not a mini, it's a mini, it's not a mini, it's a mini tuner."
    assert repeated_ngram_share(loop) > 0.4
    assert repetition_score(loop) < repetition_score(CLEAN)


def test_degenerate_outputs_score_worst():
    for text in ("", "   ", "Great.", "Great pick"):
        assert repetition_score(text) == 0.0
    assert repetition_score(LOOPED) > 0.0


def test_registered_without_reference(review):
    metric = get_metric("repetition")
    assert metric.higher_is_better and not metric.uses_reference
    scores = metric.score_batch([CLEAN, LOOPED, ""], [review()] * 3)
    assert scores[0] > scores[1] > scores[2]
