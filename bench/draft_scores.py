"""Features of stored drafts for the selectors: the proposer's prompt contexts, token
log-probabilities of every draft (cached on disk), cleaning and trimming as the runner does."""

from __future__ import annotations

import hashlib
import json
import logging
import statistics
import time
from pathlib import Path

from draft_pool import DraftPool, layer_inputs
from pickers import Candidates

from mopa.length import median_words, trim_to_sentence
from mopa.lm.adapter import PlainTextAdapter
from mopa.retrieval import profile_block
from mopa.scoring.cleaning import clean_text
from mopa.signatures import Propose, for_task

log = logging.getLogger("aggregators")


def contexts(ex, k: int = 4, max_words: int = 100) -> dict[str, str]:
    """The proposer's prompt up to its output cue, rendered exactly as the adapter renders it,
    with the user's retrieved texts ("profile") and with none ("query": the query alone)."""
    signature = for_task(Propose, ex.spec)
    adapter = PlainTextAdapter()
    inputs = layer_inputs(ex, k, max_words)
    out = {}
    for kind, profile in (("profile", inputs["profile"]), ("query", profile_block([]))):
        prompt = adapter.format_prompt(signature, [], {**inputs, "profile": profile})
        out[kind] = adapter._cue(prompt, signature, "output")
    return out


class LogprobStore:
    """Token log-probabilities per (context, text), on disk (JSONL), computed on demand."""

    def __init__(self, path: Path):
        self.path, self.values, self.seconds = Path(path), {}, []
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                rec = json.loads(line)
                self.values[rec["key"]] = rec["lp"]
        self._model = self._vocab = None
        # Reports only read: a draft without stored scores gets None (see `complete`).
        self.compute = True

    @staticmethod
    def key(context: str, text: str) -> str:
        return hashlib.sha1(f"{context}\0{text}".encode()).hexdigest()

    def model(self):
        if self._model is None:
            from mopa.lm.embedded import default_model_path, load_model

            self._model = load_model(default_model_path())  # the generation engine's model
        return self._model

    def tokenize(self, text: str) -> list[int]:
        """Tokens as `token_logprobs` counts them; a vocabulary-only copy of the model when
        nothing needs scoring (reports run without loading, or contending for, the model)."""
        if self._model is not None:
            llama = self._model.llama
        else:
            if self._vocab is None:
                from llama_cpp import Llama

                from mopa.lm.embedded import default_model_path

                self._vocab = Llama(default_model_path(), vocab_only=True, verbose=False)
            llama = self._vocab
        return llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def get(self, context: str, text: str, compute: bool = True) -> list[float] | None:
        key = self.key(context, text)
        if key not in self.values and compute:
            from mopa.lm.scoring import token_logprobs

            start = time.perf_counter()
            self.values[key] = [round(v, 4) for v in token_logprobs(self.model(), context, text)]
            self.seconds.append(time.perf_counter() - start)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"key": key, "lp": self.values[key]}) + "\n")
        return self.values.get(key)

    def mean(self, context: str, text: str, prefix: str | None = None) -> float | None:
        """Mean log p of `text`'s tokens, or of its first tokens up to `prefix` (a trimmed
        version of it): one scoring pass serves both trim settings."""
        if not text.strip():
            return None
        lp = self.get(context, " " + text, compute=self.compute)
        if lp is None:
            return None
        if prefix is not None and prefix != text:
            lp = lp[: len(self.tokenize(" " + prefix))]
        return sum(lp) / len(lp) if lp else None


def clean(draft: str, trim: bool) -> str:
    text = clean_text(draft)
    return trim_to_sentence(text) if trim else text


def score_all(examples, pool: DraftPool, policies, store: LogprobStore, layer: int = 1) -> None:
    """Log-probabilities of every stored draft; profile contexts first, so the KV cache keeps
    each prompt while all its drafts are scored."""
    for n, ex in enumerate(examples, 1):
        ctx = contexts(ex, pool.k, pool.max_words)
        for kind in ("profile", "query"):
            for policy in policies:
                rec = pool.lines.get((ex.id, policy, layer))
                for draft in (rec or {}).get("drafts", []):
                    text = clean(draft, trim=False)
                    if text.strip():
                        store.get(ctx[kind], " " + text)
        if store.seconds:
            log.info("scored %d/%d: %.2f s per draft-context (%d passes)", n, len(examples),
                     statistics.mean(store.seconds), len(store.seconds))


def candidates(ex, rec: dict, trim: bool, store: LogprobStore, pool: DraftPool) -> Candidates:
    ctx = contexts(ex, pool.k, pool.max_words)
    full = [clean(d, trim=False) for d in rec["drafts"]]
    texts = [trim_to_sentence(t) if trim else t for t in full]
    return Candidates(
        id=ex.id, texts=texts, user_words=median_words(ex) or 0.0,
        lp_profile=[store.mean(ctx["profile"], f, t) for f, t in zip(full, texts, strict=True)],
        lp_query=[store.mean(ctx["query"], f, t) for f, t in zip(full, texts, strict=True)])


