import argparse
import json
import math
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dspy
import pytest
from dspy.clients.cache import Cache

from mopa.data import parse_record
from mopa.flags import add_flags
from mopa.lm import fake_lm
from mopa.runs.metering import metered
from mopa.scoring.judge import (
    RETRY_TEMPERATURE,
    Judge,
    fake_verdict,
    judge_from,
    make_judge,
    refuses,
    swap_verdict,
)
from mopa.scoring.judge_settings import JudgeSettings
from mopa.scoring.registry import get_metric
from mopa.settings import from_args
from tests.conftest import review_record


@pytest.fixture(autouse=True)
def memory_cache(monkeypatch):
    """A fresh in-memory DSPy cache: cache tests never read or write ~/.dspy_cache."""
    monkeypatch.setattr(dspy, "cache", Cache(False, True, None, memory_max_entries=1000))


def example(n_profile=5, output="This capo holds tight and never buzzes."):
    return parse_record(review_record(n_profile=n_profile, output=output), "test", 1)


def reply(**fields) -> str:
    return "".join(f"[[ ## {k} ## ]]\n{v}\n\n" for k, v in fields.items()) + \
        "[[ ## completed ## ]]"


def judge_lm(responder):
    # A distinct name per LM: DSPy's cache is keyed by model name, not by responder.
    return fake_lm(responder=responder, cache=True, name=f"local/judge-{uuid.uuid4().hex}")


def test_rate_reads_the_rubric_and_maps_the_mean_to_0_1():
    lm = judge_lm(lambda p: reply(reason="fine", coherence=4, fit=2))
    judgment = Judge(lm).rate(example(), "A capo review.")
    assert (judgment.coherence, judgment.fit, judgment.attempts) == (4, 2, 1)
    assert not judgment.failed
    assert judgment.score == pytest.approx(0.5)  # mean 3 on 1..5


def test_the_judge_is_shown_the_task_the_three_latest_past_texts_and_the_candidate():
    lm = judge_lm(lambda p: reply(reason="x", coherence=3, fit=3))
    ex = example(n_profile=5)
    Judge(lm).rate(ex, "My candidate text.")
    prompt = lm.engine.calls[0]
    assert ex.input in prompt and "My candidate text." in prompt
    shown = [prompt.index(f"review number {i} by u1") for i in (4, 3, 2)]
    assert shown == sorted(shown), "newest first"
    assert "review number 1 by" not in prompt
    assert ex.output not in prompt, "pointwise mode never shows the real text"


def test_reference_mode_also_shows_the_real_text():
    lm = judge_lm(lambda p: reply(reason="x", coherence=3, fit=5))
    ex = example()
    judgment = Judge(lm, "reference").rate(ex, "My candidate text.")
    assert ex.output in lm.engine.calls[0] and "real_text" in lm.engine.calls[0]
    assert judgment.fit == 5


def test_a_malformed_reply_is_retried_under_a_new_rollout_then_read():
    answers = iter(["I would say four out of five.", reply(reason="ok", coherence=5, fit=4)])
    lm = judge_lm(lambda p: next(answers))
    judge = Judge(lm)
    judgment = judge.rate(example(), "A capo review.")
    assert (judgment.coherence, judgment.fit, judgment.attempts) == (5, 4, 2)
    assert len(lm.engine.calls) == 2
    assert lm.engine.requests[1].config.temperature == RETRY_TEMPERATURE
    assert judge.usage.retries == 1 and judge.usage.failures == 0


@pytest.mark.parametrize("bad", ["no markers at all", reply(reason="x", coherence=7, fit=3)])
def test_a_reply_that_never_parses_is_recorded_as_failed_not_as_a_low_score(bad):
    lm = judge_lm(lambda p: bad)
    judge = Judge(lm, retries=2)
    judgment = judge.rate(example(), "A capo review.")
    assert judgment.failed and math.isnan(judgment.score)
    assert judgment.attempts == 3 and judgment.error
    assert len(lm.engine.calls) == 3
    assert judge.usage.as_dict()["failures"] == 1
    [value] = get_metric("judge").score_batch(["A capo review."], [example()], lm=judge)
    assert math.isnan(value)
    assert judge.usage.failures == 2


def test_judging_the_same_candidate_twice_calls_the_lm_once():
    lm = judge_lm(lambda p: reply(reason="ok", coherence=2, fit=3))
    judge = Judge(lm)
    first = judge.rate(example(), "A capo review.")
    spent = judge.usage.prompt_tokens
    second = judge.rate(example(), "A capo review.")
    assert first == second
    assert len(lm.engine.calls) == 1
    assert judge.usage.lm_calls == 2 and judge.usage.prompt_tokens == spent > 0
    judge.rate(example(), "Another review.")
    assert len(lm.engine.calls) == 2


@pytest.mark.parametrize("as_a, as_b, winner", [
    ("A", "B", "first"), ("B", "A", "second"), ("A", "A", "tie"), ("B", "B", "tie"),
    (None, "B", None), ("A", None, None)])
def test_swap_verdict_counts_only_a_preference_that_survives_the_swap(as_a, as_b, winner):
    assert swap_verdict(as_a, as_b) == winner


def _candidates(prompt: str) -> tuple[str, str]:
    a = prompt.split("[[ ## candidate_a ## ]]\n")[-1].split("\n\n")[0]
    b = prompt.split("[[ ## candidate_b ## ]]\n")[-1].split("\n\n")[0]
    return a, b


def test_compare_asks_both_orders_and_keeps_a_consistent_preference():
    def prefers_tight(prompt):
        a, _ = _candidates(prompt)
        return reply(reason="r", preferred="A" if "tight" in a else "B")

    judge = Judge(judge_lm(prefers_tight), "pairwise")
    assert judge.compare(example(), "Holds tight.", "Loose.").winner == "first"
    result = judge(example(), "Loose.", other="Holds tight.")
    assert (result.winner, result.score, result.verdicts) == ("second", 0.0, ("B", "A"))
    assert judge.usage.inconsistent == 0


def test_a_position_bias_is_a_tie():
    judge = Judge(judge_lm(lambda p: reply(reason="r", preferred="A")), "pairwise")
    result = judge.compare(example(), "Holds tight.", "Loose.")
    assert (result.winner, result.score) == ("tie", 0.5)
    assert judge.usage.inconsistent == 1 and judge.usage.judgments == 1
    with pytest.raises(ValueError, match="compares two systems"):
        judge.score(["Holds tight."], [example()])


def test_the_judges_usage_is_counted_apart_from_the_systems():
    system_lm = fake_lm()
    judge = Judge(judge_lm(lambda p: reply(reason="ok", coherence=3, fit=3)))
    with dspy.context(lm=system_lm), metered() as meter:
        text = system_lm("write a review")[0]
        judge.rate(example(), text)
    assert meter.calls == 1
    assert meter.prompt_tokens == system_lm.history[0]["usage"]["prompt_tokens"]
    assert judge.usage.lm_calls == 1 and judge.usage.prompt_tokens > 0
    assert judge.usage.prompt_tokens != meter.prompt_tokens


def test_a_base_model_is_refused_as_a_judge_unless_forced():
    for spec in ("embedded", "embedded@0.3", "text:openai/gemma"):
        with pytest.raises(ValueError, match="base model cannot follow a rubric"):
            make_judge(spec)
        with pytest.raises(ValueError, match="--judge-force"):
            JudgeSettings(judge_lm=spec)
    base = dspy.LM("openai/gemma", model_type="text", api_base="http://127.0.0.1:9/v1",
                   api_key="local")
    assert "base model" in refuses(base)
    with pytest.raises(ValueError, match="base model"):
        Judge(base)
    assert Judge(base, force=True).judge_lm is base
    assert make_judge("embedded", force=True).mode == "pointwise"  # the model loads lazily
    assert JudgeSettings(judge_lm="embedded", judge_force=True).judge_force


def test_judge_settings_are_flags():
    parser = argparse.ArgumentParser()
    add_flags(parser, JudgeSettings)
    settings = from_args(JudgeSettings, parser.parse_args(
        ["--judge-lm", "fake", "--judge-mode", "pairwise"]))
    assert judge_from(settings).mode == "pairwise"
    assert judge_from(from_args(JudgeSettings, parser.parse_args([]))) is None
    with pytest.raises(ValueError, match="--judge-mode 'listwise'"):
        JudgeSettings(judge_mode="listwise")


def test_the_fake_judge_answers_the_rubric_and_a_pair():
    scores = reply(reason="fake judge", coherence=1, fit=1)
    assert fake_verdict("[[ ## candidate ## ]]\nx").startswith("[[ ## reason ## ]]")
    assert fake_verdict("x").count("## coherence ##") == scores.count("## coherence ##")
    assert "## preferred ##" in fake_verdict("[[ ## candidate_a ## ]]\nx")


def test_the_judge_metric_is_registered_and_scores_with_a_judge_or_a_chat_lm():
    metric = get_metric("judge")
    assert (metric.lm_role, metric.uses_profile, metric.uses_reference) == ("judge", True, False)
    lm = judge_lm(lambda p: reply(reason="ok", coherence=5, fit=3))
    assert metric.score_batch(["a", "b"], [example(), example()], lm=Judge(lm)) == \
        [pytest.approx(0.75)] * 2
    with pytest.raises(ValueError, match="needs a judge LM"):
        metric.score_batch(["a"], [example()])


class _ChatServer(BaseHTTPRequestHandler):
    bodies: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).bodies.append((self.path, body))
        content = reply(reason="stitched and repetitive", coherence=2, fit=1)
        payload = json.dumps({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0,
            "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 321, "completion_tokens": 17, "total_tokens": 338},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def test_a_judge_on_a_local_openai_compatible_server(monkeypatch):
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    _ChatServer.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/v1"
        lm = dspy.LM("openai/judge-model", api_base=base, api_key="local", temperature=0.0,
                     num_retries=0)
        judge = Judge(lm)
        judgment = judge.rate(example(), "Great great great capo capo.")
        again = judge.rate(example(), "Great great great capo capo.")
    finally:
        server.shutdown()
        server.server_close()
    assert (judgment.coherence, judgment.fit, judgment.reason) == \
        (2, 1, "stitched and repetitive")
    assert again == judgment and len(_ChatServer.bodies) == 1, "the second one is cached"
    path, body = _ChatServer.bodies[0]
    assert path.endswith("/chat/completions") and body["model"] == "judge-model"
    assert "strict and consistent reader" in body["messages"][0]["content"]
    assert judge.usage.as_dict() | {"cost": 0} == {
        "judgments": 2, "lm_calls": 2, "prompt_tokens": 321, "completion_tokens": 17,
        "cost": 0, "retries": 0, "failures": 0, "inconsistent": 0}
