"""One request for a layer's identical proposers: agents that would send the same prompt to
the same LM (RAG MoPA: one signature, no role, no plan; they differ only by rollout id) ask it
once for n choices, one per agent, when the LM sends n in one request
(``mopa.lm.chat_engine.sends_n``: a chat LM behind an API with ``--batch-n``). An
OpenAI-compatible endpoint bills that prompt once and serves it from one prefix.

Every other agent, and every agent of an LM that does not send n (embedded, fake, or an
endpoint that refused n), is called alone exactly as before. Each agent still gets its own
draft or failure: the batch's i-th choice is the group's i-th agent's draft; a group whose
endpoint refuses n, or answers fewer choices than asked, calls the missing agents one by one.
DSPy caches the batched call as one entry (its key holds n).
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import dspy

from mopa.lm.adapter import PlainTextAdapter
from mopa.lm.chat_engine import sends_n
from mopa.programs.calls import finish, format_drafts, shortest_words, write

if TYPE_CHECKING:
    from mopa.programs.layer import Layer
    from mopa.programs.workers import Workers


def proposal_inputs(layer: Layer, i: int, profile: str, query: str,
                    plans: list[str | None] | None, previous: list[str] | None) -> dict:
    """What agent ``i`` of ``layer`` is shown."""
    inputs = {"profile": profile, "query": query}
    if layer.agents[i].uses_plan:
        inputs["plan"] = plans[i]
    if previous:
        inputs["drafts"] = format_drafts(previous)
    return inputs


def shared_groups(layer: Layer, inputs: list[dict]) -> list[list[int]]:
    """Agents (by index, in order) whose calls would be one and the same prompt to one LM
    that sends n in one request; groups of two or more only."""
    groups: dict[tuple, list[int]] = {}
    for i, predictor in enumerate(layer.proposers):
        lm = predictor.lm or dspy.settings.lm
        if not sends_n(lm):
            continue
        key = (id(lm), json.dumps(predictor.signature.dump_state(), sort_keys=True),
               repr(predictor.demos), repr(predictor.config),
               json.dumps(inputs[i], sort_keys=True))
        groups.setdefault(key, []).append(i)
    return [group for group in groups.values() if len(group) > 1]


def submit_proposals(layer: Layer, pool: Workers, profile: str, query: str,
                     plans: list[str | None] | None, previous: list[str] | None,
                     config: dict | None, user_words: float | None = None) -> list[Future]:
    """One future per agent, resolving to its draft or raising why it has none; agents called
    alone are submitted in order, as ``Layer.propose`` calls."""
    inputs = [proposal_inputs(layer, i, profile, query, plans, previous)
              for i in range(len(layer.proposers))]
    grouped = {group[0]: group for group in shared_groups(layer, inputs)}
    members = {i for group in grouped.values() for i in group}
    futures: list[Future | None] = [None] * len(layer.proposers)
    for i in range(len(layer.proposers)):
        if i in grouped:
            batch = pool.submit(propose_together, layer, grouped[i], inputs[i], config,
                                user_words)
            for k, agent in enumerate(grouped[i]):
                futures[agent] = _choice(batch, k)
        elif i not in members:
            futures[i] = pool.submit(layer.propose, i, profile, query, plans, previous, config,
                                     user_words)
    return futures


def propose_together(layer: Layer, group: list[int], inputs: dict, config: dict | None,
                     user_words: float | None = None) -> list[str | Exception]:
    """The group's drafts from one request of ``len(group)`` choices (or why each has none),
    under the layer's length policy: each choice trimmed, and one too short written again
    alone (as ``Layer.propose`` would)."""
    first = layer.proposers[group[0]]
    lm = first.lm or dspy.settings.lm
    call = {**(config or {}), "rollout_id": group[0] + 1, "n": len(group)}
    try:
        texts = _all_choices(first, call, inputs)
    except Exception as e:
        if sends_n(lm):  # a real failure, not a refused n: every agent of the group has it
            return [e] * len(group)
        texts = []  # the endpoint refused n: every agent asks alone
    policy = layer.config
    if policy is not None:
        floor = shortest_words(policy, user_words)
        texts = [finish(policy, t) for t in texts]
        texts = texts[:next((k for k, t in enumerate(texts) if len(t.split()) < floor),
                            len(texts))]
    results: list[str | Exception] = list(texts[:len(group)])
    for agent in group[len(results):]:  # fewer (or short) choices: the rest ask alone
        try:
            alone = {**(config or {}), "rollout_id": agent + 1}
            results.append(_all_choices(layer.proposers[agent], alone, inputs)[0]
                           if policy is None else
                           write(layer.proposers[agent], policy, user_words, alone, **inputs))
        except Exception as e:
            results.append(e)
    return results


def _all_choices(predictor: dspy.Predict, config: dict, inputs: dict) -> list[str]:
    # Under DSPy's default adapter the call uses MoPA's, as mopa.programs.calls.call_predictor.
    name = next(iter(predictor.signature.output_fields))
    if dspy.settings.adapter is None:
        with dspy.context(adapter=PlainTextAdapter()):
            prediction = predictor(**inputs, config=config)
    else:
        prediction = predictor(**inputs, config=config)
    return list(prediction.completions[name])


def _choice(batch: Future, k: int) -> Future:
    """A future of the batch's k-th result (a draft, or the agent's exception)."""
    mine: Future = Future()

    def settle(done: Future) -> None:
        try:
            result: Any = done.result()[k]
        except Exception as e:
            mine.set_exception(e)
            return
        if isinstance(result, Exception):
            mine.set_exception(result)
        else:
            mine.set_result(result)

    batch.add_done_callback(settle)
    return mine
