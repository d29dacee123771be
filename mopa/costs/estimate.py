"""What a run will cost before it starts: LM calls per role, tokens, dollars and wall time.

``estimate`` rehearses the program on the first few examples still to run (``simulate``:
stand-in LMs, the real prompts, no LM call), extrapolates to every example still to run, and
prices each LM spec's tokens from LiteLLM's bundled table (``prices``). Examples already
finished in the run's directory cost nothing and are left out (a failed one runs again, so it
counts). A spec without a price is named, and the total is then unknown, never guessed.

Wall time is an estimate with its assumption said: an API call takes ``API_SECONDS`` plus its
completion at ``API_TOKENS_PER_SECOND``; the fake takes its ``latency``; the embedded model's
speed depends on the machine and is not estimated. A MoPA example runs a layer's proposers side
by side, so its time is that of its sequence of stages (planners, then per layer the proposers
and the aggregator), and ``workers`` examples run at once; a rate limit per LM (``--rpm``/
``--tpm``, when the settings have them) bounds it from below.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mopa.costs.prices import FREE, model_of_spec, price_of_spec
from mopa.costs.simulate import Usage, dry_program, rehearse
from mopa.data import Example
from mopa.lm.fake_faults import PREFIX as FAKE_PREFIX
from mopa.lm.fake_faults import parse_fake_spec
from mopa.lm.pool import split_spec
from mopa.programs import ProgramConfig, get_preset
from mopa.programs.agents import planner_count
from mopa.programs.aggregators import get_aggregator

if TYPE_CHECKING:
    from mopa.runs.settings import RunSettings

SAMPLE = 3  # examples rehearsed: prompts differ by profile and query, not by much more
API_SECONDS = 1.0
API_TOKENS_PER_SECOND = 50.0


@dataclass
class Estimate:
    """One system's cost over the examples it still has to run."""

    label: str
    structure: str
    roles: dict[str, int]  # planned LM calls per example, by role
    examples: int  # to run
    finished: int  # already in the run directory: free
    usage: dict[str, Usage] = field(default_factory=dict)  # per example, by LM spec
    cost_usd: float | None = 0.0  # for the examples to run; None: some price unknown
    unknown: list[str] = field(default_factory=list)  # models without a price
    seconds: float | None = None  # wall time; None: not estimated
    note: str = ""  # why it is not estimated (a program that would be refused)

    @property
    def calls_per_example(self) -> int:
        return sum(self.roles.values())

    @property
    def calls(self) -> float:
        return self.examples * sum(u.calls for u in self.usage.values())

    @property
    def prompt_tokens(self) -> float:
        return self.examples * sum(u.prompt_tokens for u in self.usage.values())

    @property
    def completion_tokens(self) -> float:
        return self.examples * sum(u.completion_tokens for u in self.usage.values())

    @property
    def cost_per_example(self) -> float | None:
        if self.cost_usd is None or not self.examples:
            return None if self.cost_usd is None else 0.0
        return self.cost_usd / self.examples


def planned_roles(config: ProgramConfig) -> dict[str, int]:
    """LM calls per example by role when nothing fails and every layer runs (the preset table
    and the aggregator's declared calls; ``ProgramConfig.lm_calls`` is their sum)."""
    row = get_preset(config.preset)
    if not row.layered:
        return {"program": row.calls} if row.calls else {}
    roles = {"planners": planner_count(config.agents),
             "proposers": len(config.agents) * config.layers,
             "aggregator": config.layers * get_aggregator(config.aggregator).lm_calls}
    return {role: n for role, n in roles.items() if n}


def structure(config: ProgramConfig) -> str:
    """``planner-mopa 4x5 merge``, or the preset alone for a single-agent program."""
    if not get_preset(config.preset).layered:
        return config.preset
    return f"{config.preset} {len(config.agents)}x{config.layers} {config.aggregator}"


def stages(config: ProgramConfig) -> int:
    """LM calls one after another in an example (the rest run beside them)."""
    row = get_preset(config.preset)
    if not row.layered:
        return row.calls
    aggregator = 1 if get_aggregator(config.aggregator).lm_calls else 0
    return (1 if planner_count(config.agents) else 0) + config.layers * (1 + aggregator)


def estimate(config: ProgramConfig, examples: list[Example], lm: str, max_tokens: int,
             k: int, max_words: int, workers: int = 1, finished: Iterable[str] = (),
             label: str | None = None, rpm: float | None = None, tpm: float | None = None,
             program: tuple | None = None, shared_once: bool = False) -> Estimate:
    """The cost of running ``config`` on the ``examples`` not in ``finished``; ``program``:
    its ``dry_program`` when the caller built it already (to read its ``program_hash``);
    ``shared_once``: a prompt sent N times at once is billed once (``--batch-n``)."""
    done = set(finished)
    pending = [ex for ex in examples if ex.id not in done]
    result = Estimate(label or structure(config), structure(config), planned_roles(config),
                      len(pending), len(examples) - len(pending))
    if not pending or not result.roles:
        return result
    program = program or dry_program(config, lm, max_tokens)
    result.usage = rehearse(program, pending[:SAMPLE], k, max_words, shared_once)
    for spec, usage in result.usage.items():
        price = price_of_spec(spec)
        if price is None:
            result.unknown.append(model_of_spec(spec))
            result.cost_usd = None
        elif result.cost_usd is not None:
            result.cost_usd += len(pending) * price.cost(usage.prompt_tokens,
                                                         usage.completion_tokens)
    result.unknown = sorted(set(result.unknown))
    result.seconds = wall_seconds(config, result, workers, rpm, tpm)
    return result


def call_seconds(spec: str, completion_tokens: float) -> float | None:
    """One call's time: the fake's latency, an API call's assumed speed, None for embedded."""
    name, _ = split_spec(spec)
    if name == "fake" or name.startswith(FAKE_PREFIX):
        faults = parse_fake_spec(name) if name.startswith(FAKE_PREFIX) else {}
        return float(faults.get("latency", 0.0))
    if name == "embedded":
        return None
    return API_SECONDS + completion_tokens / API_TOKENS_PER_SECOND


def wall_seconds(config: ProgramConfig, result: Estimate, workers: int,
                 rpm: float | None, tpm: float | None) -> float | None:
    calls = sum(u.calls for u in result.usage.values())
    times = [call_seconds(spec, u.completion_tokens / u.calls)
             for spec, u in result.usage.items() if u.calls]
    if not calls or any(t is None for t in times):
        return None
    per_call = sum(t * u.calls for t, u in zip(times, result.usage.values(), strict=True)) / calls
    seconds = math.ceil(result.examples / workers) * stages(config) * per_call
    # Each LM has its own limit, so the busiest one bounds the run.
    for usage in result.usage.values():
        if rpm:
            seconds = max(seconds, 60.0 * result.examples * usage.calls / rpm)
        if tpm:
            tokens = usage.prompt_tokens + usage.completion_tokens
            seconds = max(seconds, 60.0 * result.examples * tokens / tpm)
    return seconds


def for_run(config: ProgramConfig, examples: list[Example], settings: RunSettings,
            finished: Iterable[str] = (), label: str | None = None,
            program: tuple | None = None) -> Estimate:
    """``estimate`` with a run's settings (its LM, budgets, retrieval, workers and, when the
    settings have them, rate limits and one request for identical prompts)."""
    return estimate(config, examples, settings.lm, settings.max_tokens, settings.k,
                    settings.max_words, settings.workers, finished, label,
                    getattr(settings, "rpm", None), getattr(settings, "tpm", None), program,
                    bool(getattr(settings, "batch_n", False)))


def lm_specs(config: ProgramConfig, default: str) -> set[str]:
    """Every LM spec a program's calls may go to."""
    specs = {default, config.lm, config.planner_lm, config.aggregator_lm,
             *(agent.lm for agent in config.agents)}
    return {s for s in specs if s}


def may_cost(config: ProgramConfig, default: str) -> bool:
    """Whether any of the program's LMs may cost money (an API LM, or a fake with a price)."""
    return get_preset(config.preset).needs_lm and any(
        price_of_spec(spec) != FREE for spec in lm_specs(config, default))
