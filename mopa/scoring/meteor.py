"""METEOR with the exact values of NLTK's ``single_meteor_score``, several times faster.

LongLaMP reports ``single_meteor_score(word_tokenize(ref), word_tokenize(pred),
alpha=0.9, beta=3, gamma=0.5)`` (via HF ``evaluate``). NLTK spends most of its ~30 ms
a pair re-stemming every word and rebuilding WordNet ``Synset`` objects; loading its
WordNet reader alone takes ~2-3 s. This module runs the same three-stage alignment
(exact, Porter stem, WordNet synonym — each stage on what the previous one left, the
synonym stage on the *stems*, as NLTK does) with per-word caches, and reads WordNet's
files directly: ``synonyms(word)`` reproduces ``wordnet.synsets(word)`` (NLTK's morphy
rules and exception lists over noun, verb, adjective, adverb) but only collects lemma
names. Tokenization is NLTK's own ``word_tokenize``, uncached: only word-level results
are cached, so a score never depends on which pairs came before.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import lru_cache

from mopa.scoring.nltk_data import ensure_nltk_data

# The official LongLaMP setting (HF evaluate's meteor defaults).
ALPHA, BETA, GAMMA = 0.9, 3, 0.5

_WORD_CACHE_SIZE = 1 << 18  # bounds memory in long-running optimizers; ~100 B a word

# nltk.corpus.reader.wordnet: POS_LIST order, file names, MORPHOLOGICAL_SUBSTITUTIONS.
_POS_FILES = (("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv"))
_SUBSTITUTIONS = {
    "n": (("s", ""), ("ses", "s"), ("ves", "f"), ("xes", "x"), ("zes", "z"),
          ("ches", "ch"), ("shes", "sh"), ("men", "man"), ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""),
          ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}  # fmt: skip
# NLTK strips a syntactic marker such as "(a)" or "(ip)" from adjective lemma names.
_MARKER = re.compile(r"(.*?)(\([^()]*\))?$")


class _WordNetFiles:
    """The WordNet files NLTK's ``wordnet`` corpus reads, held as bytes in memory.

    Reading ~30 MB of bytes and indexing lemma lines takes ~0.2 s, against 2-3 s for
    NLTK's reader (which also builds a WordNet-version map that synsets() never uses).
    """

    def __init__(self) -> None:
        root = _wordnet_root()
        self.index: dict[str, dict[bytes, bytes]] = {}
        self.data: dict[str, bytes] = {}
        self.exceptions: dict[str, dict[str, list[str]]] = {}
        for pos, name in _POS_FILES:
            with root.join(f"index.{name}").open() as fh:
                lines = fh.read().split(b"\n")
            # Like NLTK: skip the licence header (lines starting with a space); the
            # first field is the lemma, a later duplicate line wins.
            self.index[pos] = {
                line[: line.index(b" ")]: line for line in lines if line and line[:1] != b" "
            }
            with root.join(f"data.{name}").open() as fh:
                self.data[pos] = fh.read()
            with root.join(f"{name}.exc").open() as fh:
                rows = fh.read().decode("utf-8").split("\n")
            self.exceptions[pos] = {t[0]: t[1:] for t in (row.split() for row in rows) if t}

    def offsets(self, lemma: bytes, pos: str) -> list[int]:
        fields = self.index[pos][lemma].split()
        n_synsets = int(fields[2])
        n_pointers = int(fields[3])
        first = 4 + n_pointers + 2  # skip pointer symbols, sense count, tagsense count
        return [int(f) for f in fields[first : first + n_synsets]]

    def lemma_names(self, pos: str, offset: int) -> list[str]:
        data = self.data[pos]
        line = data[offset : data.index(b"\n", offset)]
        if line[:8] != b"%08d" % offset:
            raise RuntimeError(
                f"WordNet data.{dict(_POS_FILES)[pos]} has no synset at offset {offset}: "
                "the WordNet files are inconsistent; reinstall them"
            )
        fields = line.split(b"|", 1)[0].split()
        n_lemmas = int(fields[3], 16)
        names = (f.decode("utf-8") for f in fields[4 : 4 + 2 * n_lemmas : 2])
        return [_MARKER.match(name).group(1) for name in names]

    def morphy(self, form: str, pos: str) -> list[bytes]:
        """NLTK's ``_morphy``: exceptions, else one round of suffix rules, then the
        original and candidate forms that WordNet lists for ``pos`` (order kept)."""
        exceptions = self.exceptions[pos]
        if form in exceptions:
            candidates = exceptions[form]
        else:
            candidates = [
                form[: -len(old)] + new for old, new in _SUBSTITUTIONS[pos] if form.endswith(old)
            ]
        index = self.index[pos]
        found: list[bytes] = []
        for candidate in [form, *candidates]:
            key = candidate.encode("utf-8")
            if key in index and key not in found:
                found.append(key)
        return found


def _wordnet_root():
    """The same WordNet root NLTK's ``nltk.corpus.wordnet`` loader picks."""
    # Lazy (here and below): NLTK takes seconds to import; only scoring METEOR needs it.
    import nltk
    from nltk.corpus import util

    tries = ["corpora/wordnet", "corpora/wordnet.zip/wordnet/"]
    if util.TRY_ZIPFILE_FIRST:
        tries.reverse()
    for resource in tries:
        try:
            return nltk.data.find(resource)
        except LookupError:
            continue
    raise LookupError(f"NLTK cannot find WordNet (tried {tries}); call ensure_nltk_data()")


_wordnet: _WordNetFiles | None = None
_wordnet_lock = threading.Lock()


def _load_wordnet() -> _WordNetFiles:
    global _wordnet
    with _wordnet_lock:
        if _wordnet is None:
            ensure_nltk_data()
            _wordnet = _WordNetFiles()
        return _wordnet


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def synonyms(word: str) -> frozenset[str]:
    """The names (without "_") of every lemma in ``wordnet.synsets(word)``, plus ``word``:
    the set NLTK's METEOR matches a hypothesis word against."""
    wn = _wordnet or _load_wordnet()
    lemma = word.lower()
    names = {word}
    for pos, _ in _POS_FILES:
        for form in wn.morphy(lemma, pos):
            for offset in wn.offsets(form, pos):
                names.update(n for n in wn.lemma_names(pos, offset) if "_" not in n)
    return frozenset(names)


_stemmer = None


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def stem(word: str) -> str:
    """``PorterStemmer().stem(word)`` (NLTK_EXTENSIONS mode, as METEOR's default)."""
    global _stemmer
    if _stemmer is None:
        from nltk.stem.porter import PorterStemmer

        _stemmer = PorterStemmer()
    return _stemmer.stem(word)


def _match(hyp: list[tuple[int, str]], ref: list[tuple[int, str]], matches: list):
    """NLTK's ``_match_enums``: from the last hypothesis word backwards, take the
    latest still-unused reference word with the same text. Returns the leftovers."""
    positions: dict[str, list[int]] = {}
    for j, (_, word) in enumerate(ref):
        positions.setdefault(word, []).append(j)
    used_hyp, used_ref = set(), set()
    for i in range(len(hyp) - 1, -1, -1):
        free = positions.get(hyp[i][1])
        if free:
            j = free.pop()
            used_hyp.add(i)
            used_ref.add(j)
            matches.append((hyp[i][0], ref[j][0]))
    return (
        [p for i, p in enumerate(hyp) if i not in used_hyp],
        [p for j, p in enumerate(ref) if j not in used_ref],
    )


def _match_synonyms(hyp: list[tuple[int, str]], ref: list[tuple[int, str]], matches: list):
    """NLTK's ``_enum_wordnetsyn_match``: the latest unused reference word that is a
    WordNet synonym of the hypothesis word (leftovers are not needed afterwards)."""
    positions: dict[str, list[int]] = {}
    for j, (_, word) in enumerate(ref):
        positions.setdefault(word, []).append(j)
    for i in range(len(hyp) - 1, -1, -1):
        if not positions:
            return
        syns = synonyms(hyp[i][1])
        # Scan whichever side is smaller; the chosen position is the same.
        candidates = syns if len(syns) < len(positions) else positions.keys()
        best_j, best_word = -1, None
        for word in candidates:
            free = positions.get(word)
            if free and free[-1] > best_j and word in syns:
                best_j, best_word = free[-1], word
        if best_word is not None:
            free = positions[best_word]
            free.pop()
            if not free:
                del positions[best_word]
            matches.append((hyp[i][0], ref[best_j][0]))


def _count_chunks(matches: list[tuple[int, int]]) -> int:
    chunks = 1
    for (h0, r0), (h1, r1) in zip(matches, matches[1:], strict=False):
        if not (h1 == h0 + 1 and r1 == r0 + 1):
            chunks += 1
    return chunks


def meteor_tokens(
    reference: Sequence[str],
    hypothesis: Sequence[str],
    alpha: float = ALPHA,
    beta: float = BETA,
    gamma: float = GAMMA,
) -> float:
    """``nltk.translate.meteor_score.single_meteor_score`` on pre-tokenized input."""
    if isinstance(reference, str) or isinstance(hypothesis, str):
        raise TypeError("meteor_tokens expects token lists, got a str; use meteor() for raw text")
    hyp = list(enumerate(w.lower() for w in hypothesis))
    ref = list(enumerate(w.lower() for w in reference))
    if not hyp or not ref:
        return 0.0  # NLTK's ZeroDivisionError branch
    matches: list[tuple[int, int]] = []
    hyp, ref = _match(hyp, ref, matches)
    if hyp and ref:
        hyp, ref = _match([(i, stem(w)) for i, w in hyp], [(j, stem(w)) for j, w in ref], matches)
    if hyp and ref:
        _match_synonyms(hyp, ref, matches)
    matches_count = len(matches)
    if matches_count == 0:
        return 0.0
    matches.sort(key=lambda pair: pair[0])
    # Same operations in the same order as NLTK, so the floats are bit-identical.
    precision = float(matches_count) / len(hypothesis)
    recall = float(matches_count) / len(reference)
    fmean = (precision * recall) / (alpha * precision + (1 - alpha) * recall)
    frag_frac = float(_count_chunks(matches)) / matches_count
    penalty = gamma * frag_frac**beta
    return (1 - penalty) * fmean


def tokenize(text: str) -> list[str]:
    """NLTK's ``word_tokenize`` (punkt_tab sentence split, then Treebank words)."""
    ensure_nltk_data()
    from nltk.tokenize import word_tokenize

    return word_tokenize(text)


def meteor(reference: str, prediction: str) -> float:
    """LongLaMP's METEOR of one prediction against one reference text."""
    for name, value in (("reference", reference), ("prediction", prediction)):
        if not isinstance(value, str):
            raise TypeError(f"meteor() needs str texts; {name} is {type(value).__name__}")
    return meteor_tokens(tokenize(reference), tokenize(prediction))


def warm_up() -> None:
    """Load the tokenizer model and WordNet now (e.g. before forking workers)."""
    tokenize("Warm up. Done.")
    _load_wordnet()
    stem("warming")
