"""The hand-worked reference for MoPA: a 2-agent x 2-layer Role-Planner program.

Expected calls per example: 1 planner + 2*2 proposals + 2 aggregations = 7.
"""

import threading

import dspy
import pytest
from dspy.lm15 import ServerError

from mopa.lm import PlainTextAdapter, fake_lm
from mopa.programs import Agent, MoPA, build_program, make_config
from mopa.programs.layer import Layer
from mopa.programs.presets import PRESETS
from mopa.runs.metering import metered
from mopa.tasks import get_task

PROFILE = "[1] Rating: 5.0. Summary: \"Loud\". Review: Loud and clear, worth the price."
QUERY = "Generate the review text for a tuner pedal."


def scripted(prompt: str) -> str:
    role = "content" if "Content coverage" in prompt else "analysis"
    if "extracts the main aspects" in prompt:
        return "price; loudness"
    if "integrating multiple candidate drafts" in prompt:
        return "merged(" + ",".join(d for d in ("L1-content", "L1-analysis", "L2-content",
                                                "L2-analysis") if d in prompt) + ")"
    if "candidate drafts written by other assistants" in prompt:
        return f"L2-{role}"
    return f"L1-{role}"


def run_reference():
    lm = fake_lm(scripted)
    program = MoPA(make_config("role-planner-mopa", agents=2, layers=2,
                               roles="content,analysis"))
    with dspy.context(lm=lm, adapter=PlainTextAdapter()), metered() as meter:
        pred = program(profile=PROFILE, query=QUERY)
    return lm.engine.calls, meter, pred


def test_two_by_two_call_count_and_what_the_aggregator_sees():
    calls, meter, pred = run_reference()
    assert len(calls) == 7 and meter.calls == 7

    planner = [c for c in calls if "extracts the main aspects" in c]
    layer1 = [c for c in calls if "Now write a new review" in c]
    layer2 = [c for c in calls if "candidate drafts written by other assistants" in c]
    aggregations = [c for c in calls if "integrating multiple candidate drafts" in c]
    assert (len(planner), len(layer1), len(layer2), len(aggregations)) == (1, 2, 2, 2)

    # Every proposer works from the one shared plan; layer 2 reads layer 1's drafts.
    assert all("price; loudness" in c for c in layer1 + layer2)
    assert all("Draft 1: L1-content\n\nDraft 2: L1-analysis" in c for c in layer2)

    # The aggregator sees the task and that layer's drafts, numbered -- not the profile.
    first, last = sorted(aggregations, key=lambda c: "L2-" in c)
    assert "Draft 1: L1-content\n\nDraft 2: L1-analysis" in first
    assert "Draft 1: L2-content\n\nDraft 2: L2-analysis" in last
    assert all(QUERY in c and PROFILE not in c for c in aggregations)

    assert pred.output == "merged(L2-content,L2-analysis)"
    assert pred.plans == ["- price; loudness"]
    assert [layer["output"] for layer in pred.layers] == ["merged(L1-content,L1-analysis)",
                                                          "merged(L2-content,L2-analysis)"]
    assert pred.layers[0]["drafts"] == ["L1-content", "L1-analysis"]


@pytest.mark.parametrize("preset", [p for p in PRESETS if p != "copy-latest"])
def test_every_preset_makes_exactly_the_calls_its_config_predicts(preset):
    config = make_config(preset, agents=3, layers=2,
                         proposer_lms=["fake", "fake@0.2"] if preset.endswith("-md") else None)
    program = build_program(config)
    lm = fake_lm()
    with dspy.context(lm=lm, adapter=PlainTextAdapter()), metered() as meter:
        pred = program(profile=PROFILE, query=QUERY)
    assert meter.calls == config.lm_calls == len(lm.engine.calls)
    assert pred.output.strip()


def test_all_predictors_are_visible_to_optimizers():
    program = build_program(make_config("mopa-ad", agents=4, layers=3))
    names = [n for n, _ in program.named_predictors()]
    assert names[0] == "planners[0]" and names[-1] == "aggregator"
    assert sum(".proposers[" in n for n in names) == 12
    multi = build_program(make_config("multi-planner-mopa", agents=3, layers=1))
    assert sum(n.startswith("planners[") for n, _ in multi.named_predictors()) == 3


def analysis_agent_fails(error: Exception, times: int | None = None):
    """A responder whose analysis agent raises ``error`` ``times`` times per prompt (None:
    always)."""
    seen: dict[str, int] = {}

    def respond(prompt):
        if "Your role: Analytical" in prompt and (times is None or seen.get(prompt, 0) < times):
            seen[prompt] = seen.get(prompt, 0) + 1
            raise error
        return scripted(prompt)

    respond.seen = seen
    return respond


def test_a_failing_proposer_is_recorded_and_the_layer_goes_on():
    flaky = analysis_agent_fails(RuntimeError("boom"))
    program = MoPA(make_config("role-planner-mopa", agents=2, layers=2,
                               roles="content,analysis"))
    with dspy.context(lm=fake_lm(flaky), adapter=PlainTextAdapter()):
        pred = program(profile=PROFILE, query=QUERY)
    assert pred.layers[0]["drafts"] == ["L1-content"]
    failure = pred.layers[0]["failures"][0]
    assert failure.startswith("agent 2: ") and "boom" in failure  # the cause, with its type
    assert sum(flaky.seen.values()) == 2  # once per layer: not a transient error, not retried
    assert pred.output == "merged(L2-content)"


def test_proposers_of_a_layer_run_concurrently():
    seen, lock, peak = set(), threading.Lock(), [0]

    def slow(prompt):
        import time

        with lock:
            seen.add(prompt)
            peak[0] = max(peak[0], len(seen))
        time.sleep(0.05)
        with lock:
            seen.discard(prompt)
        return scripted(prompt)

    program = build_program(make_config("role-planner-mopa", agents=4, layers=1))
    with dspy.context(lm=fake_lm(slow), adapter=PlainTextAdapter()):
        program(profile=PROFILE, query=QUERY)
    assert peak[0] >= 4


@pytest.mark.parametrize("num_retries", [0, 1])
def test_a_transient_lm_error_is_retried_by_the_lm_not_the_program(num_retries):
    flaky_once = analysis_agent_fails(ServerError("rate limited", retry_after=0), times=1)
    lm = fake_lm(flaky_once, num_retries=num_retries)
    program = MoPA(make_config("role-planner-mopa", agents=2, layers=1,
                               roles="content,analysis"))
    with dspy.context(lm=lm, adapter=PlainTextAdapter()), metered() as meter:
        pred = program(profile=PROFILE, query=QUERY)
    assert meter.calls == 4  # planner, 2 proposals, aggregation: the program called each once
    if num_retries:
        assert len(lm.engine.calls) == 5  # the LM retried the failed proposal itself
        assert pred.layers[0]["failures"] == []
        assert pred.layers[0]["drafts"] == ["L1-content", "L1-analysis"]
    else:
        assert len(lm.engine.calls) == 4
        assert "rate limited" in pred.layers[0]["failures"][0]


def test_a_layers_merge_runs_beside_the_next_layers_proposals():
    in_flight, lock, overlapped = set(), threading.Lock(), []

    def slow(prompt):
        import time

        kind = ("merge" if "integrating multiple candidate drafts" in prompt else
                "refine" if "candidate drafts written by other assistants" in prompt else "other")
        with lock:
            in_flight.add((kind, prompt))
            overlapped.append({k for k, _ in in_flight})
        time.sleep(0.05)
        with lock:
            in_flight.discard((kind, prompt))
        return scripted(prompt)

    program = MoPA(make_config("role-planner-mopa", agents=2, layers=2,
                               roles="content,analysis"))
    with dspy.context(lm=fake_lm(slow), adapter=PlainTextAdapter()):
        pred = program(profile=PROFILE, query=QUERY)
    assert any({"merge", "refine"} <= kinds for kinds in overlapped)
    assert pred.output == "merged(L2-content,L2-analysis)"


def test_a_layer_is_callable_on_its_own():
    agents = [Agent("rag", "content"), Agent("plan", "analysis")]
    layer = Layer(get_task("product_review"), agents, reads_drafts=True)
    with dspy.context(lm=fake_lm(scripted), adapter=PlainTextAdapter()):
        result = layer(profile=PROFILE, query=QUERY, plans=[None, "- price"],
                       previous=["L1-content"])
    assert result.drafts == ["L2-content", "L2-analysis"] and result.failures == []
    with pytest.raises(ValueError, match="planning agents: pass plans"):
        layer(profile=PROFILE, query=QUERY)


def test_merge_is_the_programs_aggregator_predictor_and_its_state_round_trips():
    config = make_config("rag-mopa", agents=2, layers=1)
    program = build_program(config)
    assert [n for n, _ in program.named_predictors()] == [
        "layers[0].proposers[0]", "layers[0].proposers[1]", "aggregator"]
    state = program.dump_state()
    program.aggregator.demos = [dspy.Example(query="q", drafts="d", text="t")]
    fresh = build_program(config)
    fresh.load_state(program.dump_state())
    assert len(fresh.aggregator.demos) == 1 and fresh.dump_state() != state
