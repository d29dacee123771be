"""How a command runs programs, as data: which examples (``DataSettings``), with which LMs and
retrieval (``RunSettings``), tracked where (``TrackingSettings``), scored on what
(``MetricSettings``).

Each is a frozen dataclass passed whole to ``runner.run``, ``compile_program``, ``tune``,
``report`` and ``run_experiment``; its fields are the flags of every command that takes it (see
``mopa.flags``), checked in ``__post_init__`` before anything runs, and its ``recorded`` values
are what run manifests keep. A new run setting is one field here. This module stays light (no
DSPy): ``mopa evaluate`` and ``mopa data`` build their flags from it and load an LM only when
asked to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mopa.data import ORDERED, SELECTIONS, Example, load, select
from mopa.scoring.judge_settings import JudgeSettings
from mopa.scoring.registry import Metric, parse_metrics, require_lms
from mopa.settings import check, setting
from mopa.temperatures import EXPECTED, valid_temperature

if TYPE_CHECKING:
    from mopa.lm.pool import LMPool

SOURCE_HELP = ("data source: a .jsonl/.json path (gzip-compressed ones, e.g. .jsonl.gz, are "
               "read as they are), longlamp:<config>[:<split>], or demo:<task>; "
               "test-half:SRC / selection-half:SRC is one seeded half of SRC")


@dataclass(frozen=True)
class DataSettings:
    data: str = setting(help=SOURCE_HELP)
    limit: int | None = setting(None, "use N examples (default: all)")
    selection: str = setting("first", "which N: the first, a seeded random N, the report's "
                             "rule (the N with the most profile items), or the first N of the "
                             "seeded selection/test half (tune on one, confirm on the other)",
                             choices=SELECTIONS)
    seed: int = setting(0, "seed of --selection random and of the halves, of compile's "
                        "train/val shuffle and of held-out test draws")
    # Last, so positional DataSettings(source, limit, selection, seed) keeps its meaning.
    skip: int = setting(0, "leave out the first N of the examples --selection picks, before "
                        "--limit: a later slice of a half, examples no earlier run used")

    def __post_init__(self):
        check(self, [(self.limit is None or self.limit >= 1, "limit", "N >= 1, or no --limit "
                      "for every example"),
                     (self.selection in SELECTIONS, "selection", " or ".join(SELECTIONS)),
                     (self.skip >= 0, "skip", "N >= 0"),
                     # A random or most-profile N has no order to take a later slice of.
                     (self.skip == 0 or self.selection in ORDERED, "skip",
                      f"0 with --selection {self.selection}; --skip slices "
                      f"{' or '.join(ORDERED)}")])

    def examples(self) -> list[Example]:
        wanted = None if self.limit is None else self.skip + self.limit
        examples = select(load(self.data), wanted, how=self.selection, seed=self.seed)
        examples = examples[self.skip:]
        if not examples:  # --limit is >= 1, so the source itself (or its half) is empty
            raise ValueError(f"{self.data}: no examples to run: the source (or the part of it "
                             "that --selection and --skip pick) holds no records")
        return examples


@dataclass(frozen=True)
class RunSettings:
    lm: str = setting("embedded", "default LM: embedded, fake, or a LiteLLM model string "
                      "(text:<model> for a base model behind a completions endpoint)")
    temperature: float = setting(0.7, "sampling temperature of every LM without its own "
                                 "(spec@T)")
    max_tokens: int = setting(256, "max new tokens per LM call")
    api_base: str | None = setting(None, "OpenAI-compatible server URL; API keys come from "
                                   "the environment only")
    # A name, not a key; not recorded: another variable holding the same key changes nothing.
    api_key_env: str | None = setting(None, "NAME of the environment variable holding the "
                                      "API key of the LiteLLM LMs (default: LiteLLM's own, "
                                      "e.g. OPENAI_API_KEY; no key with --api-base)",
                                      recorded=False)
    k: int = setting(4, "BM25 top-k profile items shown to the program")
    max_words: int = setting(100, "cut each profile item to N words")
    clean: bool = setting(True, "score rule-cleaned outputs (--no-clean: raw ones)")
    workers: int = setting(1, "examples run concurrently", recorded=False)
    progress: bool = setting(True, "show a progress bar", recorded=False)
    # Rate limits and n-choice requests of the API LMs (mopa.lm.rate_limit, mopa.lm.chat_engine).
    rpm: float | None = setting(None, "requests per minute to each API LM (model and server), "
                                "shared by every thread of this process; set it a little below "
                                "the provider's limit; several tune workers are several "
                                "processes, each with its own limit: divide it among them",
                                recorded=False)
    tpm: float | None = setting(None, "tokens (prompt + completion) per minute to each API LM, "
                                "shared like --rpm", recorded=False)
    # Not recorded: n choices of one request are sampled as n requests of the same prompt
    # would be; only the bill differs (a resumed run may switch it, like --workers).
    batch_n: bool = setting(False, "a layer's identical proposers (same prompt, same LM "
                            "behind an API) share one request with n choices, which bills the "
                            "prompt once; other LMs, and endpoints that refuse n, get one call "
                            "per proposer", recorded=False)
    # Cost (mopa.costs): what a command would spend, and a budget it stops at.
    dry_run: bool = setting(False, "print the LM calls, tokens, dollars and wall time the "
                            "command would spend, per system and in total, then exit: no LM "
                            "call, nothing written", recorded=False)
    max_cost: float | None = setting(None, "budget in US dollars: no new example starts once "
                                     "the spend (with what this command's run directories "
                                     "already recorded) plus the examples in flight would "
                                     "pass it; rerun with a higher budget to go on",
                                     recorded=False)

    def __post_init__(self):
        check(self, [(valid_temperature(self.temperature), "temperature", EXPECTED),
                     (self.max_tokens >= 1, "max_tokens", "an integer >= 1"),
                     (self.k >= 1, "k", "an integer >= 1 (profile items retrieved)"),
                     (self.max_words >= 1, "max_words", "an integer >= 1"),
                     (self.workers >= 1, "workers", "an integer >= 1"),
                     (self.rpm is None or self.rpm > 0, "rpm", "a number > 0, or no --rpm"),
                     (self.tpm is None or self.tpm > 0, "tpm", "a number > 0, or no --tpm"),
                     (self.max_cost is None or self.max_cost > 0, "max_cost",
                      "dollars > 0, or no --max-cost")])

    @property
    def base_model(self) -> bool:
        """The default LM continues text rather than following instructions (the embedded
        model, or a base model behind a completions endpoint)."""
        return self.lm.split("@")[0] == "embedded" or self.lm.startswith("text:")

    def lm_pool(self) -> LMPool:
        """The run's LMs (created on first use); the pool imports DSPy, hence the late import."""
        from mopa.lm.pool import LMPool  # lazy: DSPy; mopa evaluate and data need none

        pool = LMPool(self.lm, self.temperature, self.max_tokens, self.api_base,
                      self.api_key_env, rpm=self.rpm, tpm=self.tpm, batch_n=self.batch_n)
        # Build the default LM now (cheap: models load on first call), so a bad --lm is refused
        # before a command writes anything; otherwise its run.json would already record it and
        # the corrected rerun into the same --out would be refused as "changed: lm".
        pool.get()
        return pool


@dataclass(frozen=True)
class TrackingSettings:
    tracking_uri: str | None = setting(None, "MLflow tracking URI (default: MLflow's own, "
                                       "e.g. sqlite:///mlflow.db)")
    experiment: str | None = setting(None, "MLflow experiment (default: mopa-<command>)")


@dataclass(frozen=True)
class MetricSettings:
    """Which registered metrics to score, and the LM of each role some metrics score with: the
    scoring LM (``--scoring-lm``), and the judge with its own settings (``JudgeSettings``)."""

    metrics: str | None = setting(None, "comma-separated registered metrics (default: the "
                                  "default ones, the benchmark's ROUGE-1, ROUGE-L and METEOR, "
                                  "and reader; an unknown name lists them all)")
    # Not defaulted to the embedded model: loading it costs a minute and hundreds of MB, which
    # a run of an API model (or a run that scores no fluency) should not pay unasked.
    scoring_lm: str | None = setting(None, "LM for metrics that score text by its "
                                     "log-probabilities (fluency): embedded, the model "
                                     "that runs with mopa (or fake)")
    judge: JudgeSettings = field(default_factory=JudgeSettings)

    def __post_init__(self):
        chosen = self.chosen()  # an unknown name is refused with the list of known ones
        if self.judge.judge_mode == "pairwise" and any(m.lm_role == "judge" for m in chosen):
            raise ValueError("--judge-mode 'pairwise' compares two systems' outputs; a judge "
                             "metric scores one system's: pass --judge-mode pointwise or "
                             "reference")

    def chosen(self) -> list[Metric]:
        return parse_metrics(self.metrics)

    def with_metrics(self, chosen: Sequence[Metric]) -> MetricSettings:
        """These settings scoring exactly ``chosen`` (e.g. a study's objectives as well)."""
        return replace(self, metrics=",".join(m.name for m in chosen))

    def lms(self) -> dict[str, Any]:
        """The LM of each role the chosen metrics need, built now, so a missing or bad spec is
        refused before anything is scored. The judge role gets a ``Judge`` (its mode, and the
        usage it counts apart from the system's)."""
        specs = {"scoring": self.scoring_lm, "judge": self.judge.judge_lm}
        chosen = self.chosen()
        require_lms(chosen, specs, "pass --{role}-lm SPEC")
        roles = dict.fromkeys(m.lm_role for m in chosen if m.needs_lm)
        lms: dict[str, Any] = {}
        if "judge" in roles:
            from mopa.scoring.judge import (
                judge_from,  # lazy: DSPy, only when a metric needs a judge
            )

            lms["judge"] = judge_from(self.judge)
        if "scoring" in roles:
            from mopa.lm.pool import LMPool  # lazy: DSPy, only when a metric needs an LM

            lms["scoring"] = LMPool(self.scoring_lm, temperature=0.0).get()
        return lms
