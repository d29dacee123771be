"""Mixture of Personalized Agents (the report's Figure 1).

plan -> layer 1 of N proposers -> aggregate
     -> layer 2 refines layer 1 -> aggregate
     -> ... -> layer L -> aggregate = the output

Every layer's aggregation is kept, so one run scores every depth 1..L. Aggregation is the
report's LLM merge or a choice among the drafts (``programs/selection.py``); refinement is the
report's (proposers read the previous drafts) or the previous output shown as the user's most
recent text. When layer k+1 needs only layer k's drafts, the merge of layer k runs beside layer
k+1 instead of before it: the critical path is planning + L proposal rounds + one merge.
With ``stop_similarity``, depth adapts: once a layer's output barely changes, the rest is
skipped and recorded as such.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING

import dspy

from mopa.programs import selection
from mopa.programs.agents import plan_slots
from mopa.programs.calls import (
    call_predictor,
    finish,
    format_drafts,
    length_config,
    make_plan,
    make_predictor,
)
from mopa.programs.layer import Layer
from mopa.programs.workers import Workers
from mopa.signatures import Aggregate, Plan, for_task
from mopa.tasks import get_task

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool
    from mopa.programs.config import ProgramConfig


class MoPA(dspy.Module):
    def __init__(self, config: ProgramConfig, lms: LMPool | None = None,
                 max_workers: int | None = None):
        super().__init__()
        if not config.agents:
            raise ValueError("MoPA needs at least one agent, got none")
        if config.layers < 1:
            raise ValueError(f"MoPA needs at least one layer, got layers={config.layers}")
        self.config = config
        self.spec = spec = get_task(config.task)
        self.agents = list(config.agents)
        # N proposers plus the previous layer's merge run at once; 1 = strictly sequential.
        self.max_workers = max_workers or len(self.agents) + 1

        # One shared planner for 'plan' agents, one own planner per 'own-plan' agent.
        self.plan_slot = plan_slots(self.agents)
        self.planners = []
        for slot, agent in zip(self.plan_slot, self.agents, strict=True):
            if slot is None or slot < len(self.planners):
                continue
            lm = config.planner_lm if agent.kind == "plan" else (agent.lm or config.planner_lm)
            self.planners.append(make_predictor(for_task(Plan, spec), lms, lm))

        reads_drafts = config.refine == "drafts"
        self.layers = [Layer(spec, self.agents, reads_drafts=reads_drafts and k > 0, lms=lms)
                       for k in range(config.layers)]
        if config.aggregator == "merge":
            self.aggregator = make_predictor(for_task(Aggregate, spec), lms,
                                             config.aggregator_lm)
        self.scoring_lm = None
        if config.aggregator in ("likelihood", "contrast") and lms is not None:
            from mopa.lm.scoring import require_scorer

            # Checked now, not mid-run: a chat API without log-probabilities cannot score.
            self.scoring_lm = lms.get(config.aggregator_lm)
            require_scorer(self.scoring_lm, config.aggregator)

    def forward(self, profile: str, query: str, latest: str | None = None,
                user_words: float | None = None) -> dspy.Prediction:
        call = length_config(self.config, user_words)
        with Workers(self.max_workers) as workers:
            plans = self.plan(profile, query, workers)
            agent_plans = [None if slot is None else plans[slot] for slot in self.plan_slot]
            records: list[dict] = []
            pending: list[Future] = []
            drafts: list[str] = []
            for depth, layer in enumerate(self.layers):
                if depth and self._waits_for_output():
                    records[-1].update(pending[-1].result())
                    if self._settled(records):
                        break
                shown = self._shown_profile(profile, query, records)
                result = layer(profile=shown, query=query, plans=agent_plans,
                               previous=drafts if self.config.refine == "drafts" else [],
                               workers=workers, config=call)
                drafts = [finish(self.config, d) for d in result.drafts]
                records.append({"drafts": drafts, "failures": result.failures})
                pending.append(workers.submit(self.aggregate, profile, query, drafts, user_words))
            for record, future in zip(records, pending, strict=True):
                record.update(future.result())

        ran = len(records)
        for _ in range(len(self.layers) - ran):  # skipped layers keep the last output
            records.append({"drafts": [], "failures": [], "output": records[-1]["output"],
                            "skipped": True})
        return dspy.Prediction(output=records[ran - 1]["output"], plans=plans, layers=records,
                               depth=ran)

    def plan(self, profile: str, query: str, workers: Workers) -> list[str]:
        """One plan per planner; ``plan_slot`` says which plan each agent works from."""
        def make(i: int) -> str:
            rollout = i + 1 if len(self.planners) > 1 else None  # own plans must differ
            return make_plan(self.planners[i], profile, query, rollout)

        return workers.map([lambda i=i: make(i) for i in range(len(self.planners))])

    def aggregate(self, profile: str, query: str, drafts: list[str],
                  user_words: float | None = None) -> dict:
        """The layer's output, and for a choice, which draft and the scores behind it."""
        kind = self.config.aggregator
        if kind in ("fusion", "concat"):
            target = None if user_words is None else user_words * self.config.target_factor
            if kind == "fusion":
                text, choice = selection.fusion(drafts, target, self.config.similarity)
            else:
                text, choice = selection.concat(drafts, target)
            return {"output": text, "choice": choice.as_dict()}
        if kind == "merge":
            config = {}
            if self.config.aggregator_temperature is not None:
                config["temperature"] = self.config.aggregator_temperature
            merged = call_predictor(self.aggregator, config, query=query,
                                    drafts=format_drafts(drafts))
            return {"output": finish(self.config, merged)}
        if kind == "consensus":
            choice = selection.consensus(drafts, self.config.similarity)
        elif kind == "longest":
            choice = selection.longest(drafts)
        else:
            from mopa.lm.scoring import require_scorer

            scorer = require_scorer(self.scoring_lm or dspy.settings.lm, kind)
            context = self._record(profile, query)
            if kind == "likelihood":
                choice = selection.likelihood(drafts, scorer, context)
            else:
                choice = selection.contrast(drafts, scorer, context, self._record("", query))
        return {"output": drafts[choice.index], "choice": choice.as_dict()}

    def _record(self, profile: str, query: str) -> str:
        """The user's texts, then the new text's header and cue, as a base model reads them:
        what a draft is scored as the continuation of."""
        head = f"{profile}\n\n" if profile else ""
        return f"{head}{query}\n{self.spec.text_label}:"

    def _shown_profile(self, profile: str, query: str, records: list[dict]) -> str:
        """Exemplar refinement: the previous output becomes the user's most recent text."""
        if self.config.refine != "exemplar" or not records:
            return profile
        return f"{query}\n{self.spec.text_label}: {records[-1]['output']}\n\n{profile}"

    def _waits_for_output(self) -> bool:
        # The next layer needs this layer's output (exemplar) or the stop rule needs it.
        return self.config.refine == "exemplar" or self.config.stop_similarity is not None

    def _settled(self, records: list[dict]) -> bool:
        if self.config.stop_similarity is None or len(records) < 2:
            return False
        change = selection.similarity(records[-1]["output"], records[-2]["output"], "rougeL")
        return change >= self.config.stop_similarity
