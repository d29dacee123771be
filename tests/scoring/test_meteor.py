"""mopa.scoring.meteor: bit-identical values to NLTK's single_meteor_score (LongLaMP setting)."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from mopa.scoring import meteor as M
from mopa.scoring.nltk_data import ensure_nltk_data
from tests.conftest import REAL_REVIEWS as REVIEWS

# NLTK's doctest sentences (nltk/translate/meteor_score.py), space-split as there.
HYP1 = str.split(
    "It is a guide to action which ensures that the military always obeys the commands of the party"
)
REF1 = str.split(
    "It is a guide to action that ensures that the military will forever heed Party commands"
)
REF2 = str.split(
    "It is the guiding principle which guarantees the military forces always being under "
    "the command of the Party"
)
REF3 = str.split(
    "It is the practical guide for the army always to heed the directions of the party"
)


@pytest.fixture(scope="module", autouse=True)
def nltk_ready():
    ensure_nltk_data()


def nltk_meteor(reference: str, prediction: str) -> float:
    from nltk import word_tokenize
    from nltk.translate.meteor_score import single_meteor_score

    return single_meteor_score(
        word_tokenize(reference), word_tokenize(prediction), alpha=0.9, beta=3, gamma=0.5
    )


def test_nltk_docstring_values():
    assert round(M.meteor_tokens(REF1, HYP1), 4) == 0.6944
    best = max(M.meteor_tokens(ref, HYP1) for ref in (REF1, REF2, REF3))
    assert round(best, 4) == 0.6944
    assert M.meteor_tokens(["this", "is", "a", "cat"], ["non", "matching", "hypothesis"]) == 0.0


def test_nltk_meteor_doctest_values():
    # nltk/test/meteor.doctest (on word_tokenize tokens).
    assert (
        M.meteor("The candidate has no alignment to any of the references", "John loves Mary")
        == 0.0
    )
    # The doctest rounds this one; exactly it is 1 - 0.5 * (1/6)**3.
    assert M.meteor("The cat sat on the mat", "The cat sat on the mat") == 0.9976851851851852
    assert M.meteor("The cat sat on the mat", "on the mat sat the cat") == 0.5
    assert round(M.meteor("The cat sat on the mat", "The cat was sat on the mat"), 4) == 0.9654
    assert (
        round(
            M.meteor("create or update a vm set", "creates or updates a virtual machine scale set"),
            4,
        )
        == 0.7806
    )


def test_hand_checkable_values():
    # Identical 4 words: P = R = 1, one chunk -> 1 - 0.5 * (1/4)**3.
    assert M.meteor_tokens(list("abcd"), list("abcd")) == 0.9921875
    # Case is ignored (NLTK lowercases tokens).
    assert M.meteor("The Cat", "the cat") == M.meteor("the cat", "the cat")
    # Stem match ("running" ~ "runs") and WordNet synonym match ("car" ~ "auto").
    assert M.meteor_tokens(["runs"], ["running"]) == 1 - 0.5
    assert M.meteor_tokens(["auto"], ["car"]) == 1 - 0.5
    # NLTK matches synonyms on the *stems* left by the stem stage: "large" -> "larg",
    # which is no WordNet synonym of "big".
    assert M.meteor_tokens(["large"], ["big"]) == 0.0


def test_zero_cases():
    assert M.meteor("", "") == 0.0
    assert M.meteor("some reference", "") == 0.0
    assert M.meteor("", "some prediction") == 0.0
    assert M.meteor_tokens([], ["a"]) == 0.0


def test_rejects_raw_strings_where_tokens_are_expected():
    with pytest.raises(TypeError, match="token lists"):
        M.meteor_tokens("a b", ["a"])
    with pytest.raises(TypeError, match="prediction is NoneType"):
        M.meteor("a b", None)


EDGE_TEXTS = [
    "", " ", "a", "A", ".", "!!! ...", "the the the", "The THE the", "dog", "dogs", "Dog.",
    "big large huge", "large big", "running runs ran", "run", "He left. She came.",
    "Mr. Smith went. He left.", "I can't believe it's not butter!", "geese goose",
    "The children were playing with the oxen.", "better best good well",
]  # fmt: skip


def test_identical_to_nltk_on_edge_pairs():
    pairs = list(itertools.product(EDGE_TEXTS, EDGE_TEXTS))
    ours = [M.meteor(ref, pred) for ref, pred in pairs]
    theirs = [nltk_meteor(ref, pred) for ref, pred in pairs]
    assert ours == theirs


def _review_pairs(n: int) -> list[tuple[str, str]]:
    """(reference, prediction) pairs from real reviews, a third of each kind: an example's
    output against the user's latest review, against another example's output (unrelated
    texts: few, scattered matches), and against its own words shuffled (chunking and all
    three match stages)."""
    if not REVIEWS.is_file():
        pytest.skip(f"{REVIEWS} is absent")
    rows = [json.loads(line) for line in REVIEWS.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(7)
    texts = [r["output"] for r in rows] + [p["reviewText"] for r in rows for p in r["profile"]]
    third = n // 3
    pairs = [(r["output"], r["profile"][-1]["reviewText"]) for r in rows[:third]]
    pairs += [(rows[i]["output"], rows[(i + 1) % len(rows)]["output"]) for i in range(third)]
    while len(pairs) < n:
        ref = rng.choice(texts)
        words = ref.split()
        rng.shuffle(words)
        pairs.append((ref, " ".join(words[: rng.randint(1, len(words))])))
    return pairs


def test_identical_to_nltk_on_review_pairs():
    pairs = _review_pairs(180)
    ours = [M.meteor(ref, pred) for ref, pred in pairs]
    theirs = [nltk_meteor(ref, pred) for ref, pred in pairs]
    assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) == 0.0
    assert sum(v > 0 for v in ours) > 150  # the pairs really exercise the matcher


def test_synonyms_match_nltk_wordnet():
    from nltk.corpus import wordnet
    from nltk.stem.porter import PorterStemmer

    words = {w.lower() for text in EDGE_TEXTS for w in text.split()}
    words |= {"dog", "dogs", "geese", "oxen", "went", "better", "children", "ran", "axes"}
    words |= {"guitar", "strings", "sounds", "amp", "cheaper", "happily", "n't", "u.s."}
    stemmer = PorterStemmer()
    words |= {stemmer.stem(w) for w in list(words)}
    for word in sorted(words):
        expected = {
            lemma.name()
            for synset in wordnet.synsets(word)
            for lemma in synset.lemmas()
            if "_" not in lemma.name()
        } | {word}
        assert M.synonyms(word) == expected, word
        assert M.stem(word) == stemmer.stem(word)


def test_word_caches_do_not_change_results():
    pair = ("The guitar sounds great and plays well.", "This guitar plays great, sounds good.")
    first = M.meteor(*pair)
    M.synonyms.cache_clear()
    M.stem.cache_clear()
    assert M.meteor(*pair) == first


def test_reads_a_zipped_wordnet_like_nltk(tmp_path, monkeypatch):
    # nltk.download may leave WordNet as corpora/wordnet.zip; NLTK reads it from the zip.
    import zipfile

    import nltk

    loaded = M._load_wordnet()
    source = Path(M._wordnet_root().path)
    (tmp_path / "corpora").mkdir()
    with zipfile.ZipFile(tmp_path / "corpora" / "wordnet.zip", "w") as zf:
        for kind in ("noun", "verb", "adj", "adv"):
            for name in (f"index.{kind}", f"data.{kind}", f"{kind}.exc"):
                zf.write(source / name, f"wordnet/{name}")
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    zipped = M._WordNetFiles()
    assert zipped.index == loaded.index
    assert zipped.data == loaded.data
    assert zipped.exceptions == loaded.exceptions
