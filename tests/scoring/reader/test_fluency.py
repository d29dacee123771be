"""mopa.scoring.reader.fluency: mean token log-probability after the task's label."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mopa.data import Example
from mopa.lm.fake import fake_lm
from mopa.scoring.reader.fluency import EMPTY
from mopa.scoring.registry import get_metric

INPUT = ('Generate the review text written by a reviewer who has a given an overall rating of '
         '"5.0" for a product with description "A capo". The summary of the review text is '
         '"Holds tight".')


def example(task: str = "product_review") -> Example:
    return Example(id="u1-1", user_id="u1", task=task, input=INPUT, output="unused",
                   profile=({"reviewText": "Holds tight on every fret."},))


@pytest.fixture
def fluency():
    return get_metric("fluency")


def test_registered_as_a_scoring_lm_metric(fluency):
    assert fluency.lm_role == "scoring"
    assert (fluency.uses_reference, fluency.uses_profile, fluency.higher_is_better) == \
        (False, False, True)


def test_mean_log_probability_after_the_task_label_only(fluency):
    # The fake finds a word likely (0) only if its context has it: the context is the label
    # alone, so the header's words ("Holds tight") earn nothing and "Review:" does.
    lm = fake_lm()
    review, header_copy = fluency.score_batch(["Review: Review: fine", "Holds tight"],
                                              [example(), example()], lm=lm)
    assert review == pytest.approx(-5 / 3)
    assert header_copy == pytest.approx(-5.0)
    (abstract,) = fluency.score_batch(["Abstract: results"], [example("abstract_generation")],
                                      lm=lm)
    assert abstract == pytest.approx(-2.5)


def test_an_empty_text_scores_below_any_text(fluency):
    empty, worded = fluency.score_batch(["  ", "an unlikely text"], [example()] * 2,
                                        lm=fake_lm())
    assert empty == EMPTY < worded


def test_refused_without_an_lm(fluency):
    with pytest.raises(ValueError, match="needs a scoring LM"):
        fluency.score_batch(["text"], [example()])


def test_refused_with_an_lm_that_cannot_score(fluency):
    chat = SimpleNamespace(model="openai/some-chat-model", engine=None)
    with pytest.raises(ValueError, match="some-chat-model cannot give"):
        fluency.score_batch(["text"], [example()], lm=chat)


COHERENT = ("I bought this capo for my acoustic guitar. It clamps on quickly, holds the strings "
            "tight and never buzzes. I use it every day and it still works like new.")
# The same sentences' halves swapped across sentences: every seam is a non-sequitur.
STITCHED = ("I bought this capo holds the strings. It clamps on my acoustic guitar works like "
            "new. I use it quickly, tight and never buzzes every day and it still for.")


@pytest.mark.embedded
def test_the_embedded_model_reads_a_coherent_text_as_more_fluent(fluency):
    try:
        import llama_cpp  # noqa: F401

        from mopa.lm.embedded import default_model_path, embedded_lm

        default_model_path()
    except (ImportError, OSError) as exc:
        pytest.skip(f"the embedded model is unavailable: {exc}")
    coherent, stitched = fluency.score_batch([COHERENT, STITCHED], [example()] * 2,
                                             lm=embedded_lm(cache=False))
    assert coherent > stitched
