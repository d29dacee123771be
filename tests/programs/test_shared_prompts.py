"""A layer's identical proposers share one n-choice request where the LM sends n (an API chat
LM with batch_n); everywhere else each agent is called alone, as before."""

import uuid

import dspy

from mopa.lm import PlainTextAdapter, fake_lm, make_lm
from mopa.lm.pool import LMPool
from mopa.programs import MoPA, make_config
from mopa.programs.agents import Agent
from mopa.programs.layer import Layer
from mopa.tasks import get_task
from tests.servers.openai_compat import OpenAIServer

PROFILE = "[1] Rating: 5.0. Summary: Loud. Review: Loud and clear, worth the price."
QUERY = "Rating: 4.0. Summary: Tuner pedal."


def api_lm(server, **options):
    return make_lm(f"openai/t-{uuid.uuid4().hex[:8]}", api_base=server.url, cache=False,
                   **options)


def rag_layer(agents=4, **agent_options):
    return Layer(get_task("product_review"), [Agent(**agent_options) for _ in range(agents)],
                 reads_drafts=False)


def test_four_rag_proposers_make_one_request_of_four_choices():
    with OpenAIServer() as server:
        with dspy.context(lm=api_lm(server, batch_n=True)):
            result = rag_layer()(profile=PROFILE, query=QUERY)
        assert server.counts.n_seen == [4]
        assert len(result.drafts) == 4 and len(set(result.drafts)) == 4
        assert result.failures == []


def test_without_batch_n_each_proposer_makes_its_own_request_rate_limited_or_not():
    with OpenAIServer() as server:
        for options in ({}, {"rpm": 6000}):
            server.reset()
            with dspy.context(lm=api_lm(server, **options)):
                rag_layer()(profile=PROFILE, query=QUERY)
            assert server.counts.n_seen == [1, 1, 1, 1]


def test_agents_with_different_roles_are_not_batched():
    task = get_task("product_review")
    agents = [Agent(role="style"), Agent(role="style"), Agent(role="content")]
    with OpenAIServer() as server:
        with dspy.context(lm=api_lm(server, batch_n=True)):
            Layer(task, agents, reads_drafts=False)(profile=PROFILE, query=QUERY)
        assert sorted(server.counts.n_seen) == [1, 2]


def test_an_endpoint_that_refuses_n_gets_one_call_per_agent_with_each_agents_draft():
    with OpenAIServer(reject_n=True) as server:
        lm = api_lm(server, batch_n=True)
        with dspy.context(lm=lm):
            first = rag_layer(3)(profile=PROFILE, query=QUERY)
            server.reset()
            rag_layer(3)(profile=PROFILE, query=QUERY)
        assert len(first.drafts) == 3 and first.failures == []
        assert server.counts.n_seen == [1, 1, 1] and server.counts.refused_n == 0


def test_a_failed_batch_is_every_agents_failure():
    with OpenAIServer(limit=0) as server:  # every request answered 429
        lm = make_lm(f"openai/t-{uuid.uuid4().hex[:8]}", api_base=server.url, cache=False,
                     batch_n=True, num_retries=0)
        with dspy.context(lm=lm):
            try:
                rag_layer(2)(profile=PROFILE, query=QUERY)
            except RuntimeError as e:
                assert "agent 1:" in str(e) and "agent 2:" in str(e)
        assert server.counts.rejected == 1


def test_the_fake_and_embedded_path_is_unchanged_one_call_per_agent_in_order():
    lm = fake_lm()
    layer = rag_layer(3)
    with dspy.context(lm=lm, adapter=PlainTextAdapter()):
        result = layer(profile=PROFILE, query=QUERY)
        assert len(lm.engine.calls) == 3
        alone = [layer.propose(i, PROFILE, QUERY, None, None, None) for i in range(3)]
    assert result.drafts == alone and lm.engine.calls[:3] == lm.engine.calls[3:]


def test_rag_mopa_4x1_sends_one_proposer_request_per_example():
    with OpenAIServer() as server:
        pool = LMPool(f"openai/t-{uuid.uuid4().hex[:8]}", api_base=server.url, batch_n=True)
        program = MoPA(make_config("rag-mopa", agents=4, layers=1), pool)
        with dspy.context(lm=pool.default, cache=False):
            pred = program(profile=PROFILE, query=QUERY)
        assert server.counts.n_seen == [4, 1]  # the proposers' request, then the merge
        assert len(pred.layers[0]["drafts"]) == 4


def test_base_model_proposers_behind_a_completions_endpoint_share_one_request():
    with OpenAIServer() as server:
        lm = make_lm(f"openai/t-{uuid.uuid4().hex[:8]}", model_type="text", batch_n=True,
                     api_base=server.url, cache=False)
        with dspy.context(lm=lm, adapter=PlainTextAdapter()):
            result = rag_layer(3)(profile=PROFILE, query=QUERY)
        assert server.counts.n_seen == [3] and len(set(result.drafts)) == 3
