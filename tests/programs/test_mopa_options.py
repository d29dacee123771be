"""MoPA's options with a fake LM: choosing aggregators, exemplar refinement, per-user length,
trimming and adaptive depth."""

import dspy
import pytest

from mopa.lm import PlainTextAdapter, fake_lm
from mopa.lm.pool import LMPool
from mopa.programs import build_program, make_config
from mopa.runs.metering import metered

PROFILE = "Rating: 5.0. Summary: Loud.\nReview: Loud and clear, worth the price."
QUERY = "Rating: 4.0. Summary: Good tuner."


def run(config, responder=None, **inputs):
    lm = fake_lm(responder)
    with dspy.context(lm=lm, adapter=PlainTextAdapter()), metered() as meter:
        pred = build_program(config)(profile=PROFILE, query=QUERY, **inputs)
    return pred, lm, meter


def same_text(prompt: str) -> str:
    # Every call writes the same text, cut mid-sentence as by max_tokens: layers settle at once.
    return "Accurate tuner and bright display. It holds tuning. Sentence three is here"


@pytest.mark.parametrize("aggregator", ["consensus", "fusion", "longest", "likelihood",
                                        "contrast"])
def test_choosing_aggregators_make_no_lm_call_and_record_their_choice(aggregator):
    config = make_config("rag-mopa", agents=3, layers=1, aggregator=aggregator)
    pred, _, meter = run(config)
    assert meter.calls == 3  # the proposers only: choosing is not an LM call
    assert config.lm_calls == 3
    layer = pred.layers[0]
    assert 1 <= layer["choice"]["chosen"] <= 3 and len(layer["choice"]["scores"]) == 3
    if aggregator in ("consensus", "longest", "likelihood", "contrast"):
        assert pred.output in layer["drafts"]


def test_concat_picks_no_draft_and_records_no_choice():
    config = make_config("rag-mopa", agents=3, layers=1, aggregator="concat", target_factor=5.0)
    pred, _, meter = run(config, user_words=10)
    assert meter.calls == config.lm_calls == 3
    layer = pred.layers[0]
    assert "choice" not in layer
    assert pred.output.startswith(layer["drafts"][0].strip()) and pred.output != layer["drafts"][0]


def test_a_scoring_aggregator_refuses_an_lm_that_cannot_score_at_build_time():
    pool = LMPool(default="openai/gpt-4o-mini")
    with pytest.raises(ValueError, match="likelihood aggregator.*cannot give"):
        build_program(make_config("rag-mopa", agents=2, layers=1, aggregator="likelihood"), pool)


def test_exemplar_refinement_shows_the_previous_output_as_the_latest_past_text():
    config = make_config("rag-mopa", agents=2, layers=2, aggregator="longest",
                         refine="exemplar")
    pred, lm, _ = run(config)
    layer2_prompts = lm.engine.calls[2:]
    assert all(f"{QUERY}\nReview: {pred.layers[0]['output']}" in p for p in layer2_prompts)
    assert not any("Candidate drafts" in p for p in lm.engine.calls)


def test_length_factor_fits_max_tokens_to_the_user_and_trim_ends_on_a_sentence():
    config = make_config("rag", length_factor=1.5, trim=True)
    pred, lm, _ = run(config, responder=same_text, user_words=40)
    assert lm.engine.requests[0].config.max_tokens == round(1.5 * 40 * 1.3)
    assert pred.output.endswith("It holds tuning.")


def test_adaptive_depth_stops_when_the_output_settles_and_records_skipped_layers():
    config = make_config("rag-mopa", agents=2, layers=4, aggregator="consensus",
                         refine="exemplar", stop_similarity=0.5)
    pred, _, meter = run(config, responder=same_text)
    assert pred.depth == 2  # layer 2 repeats layer 1: stop there
    assert meter.calls == 2 * 2
    assert [bool(layer.get("skipped")) for layer in pred.layers] == [False, False, True, True]
    assert pred.layers[3]["output"] == pred.output


def test_an_invalid_option_names_the_field_and_the_choices():
    with pytest.raises(ValueError, match="aggregator='vote' is not valid; expected merge"):
        make_config("rag-mopa", agents=2, layers=1, aggregator="vote")
    with pytest.raises(ValueError, match="unknown program setting.*aggregater"):
        make_config("rag-mopa", agents=2, layers=1, aggregater="consensus")
