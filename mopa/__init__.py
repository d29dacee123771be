"""MoPA: personalized long-form text generation with DSPy programs, evaluated on LongLaMP.

This folder holds what every part uses: the tasks as data (``tasks``), examples and where they
come from (``data``, ``jsonl``, ``splits``, ``data_stats``), what a program sees of an example
(``retrieval``, ``program_inputs``, ``length``), compiled programs on disk (``program_files``)
and the command line (``cli``, with ``flags`` generating its flags from settings dataclasses);
and three subpackages: ``mopa.lm`` (the LMs), ``mopa.scoring`` (metrics, cleaning, intervals)
and ``mopa.runs`` (settings, running, run directories, metering, MLflow). Four more subpackages
are top-level folders that pyproject.toml's ``package-dir`` installs inside this one:
``programs/`` as ``mopa.programs``, ``signatures/`` as ``mopa.signatures``, ``optimizers/`` as
``mopa.optimizers`` and ``experiments/`` as ``mopa.experiments``.
"""

# The Python API (mopa/api.py), loaded on first use so that ``import mopa`` (and ``mopa
# --help``, which imports this package) pays for no DSPy: ``mopa.configure(lm="embedded")``,
# ``mopa.build("rag-mopa")``, ``mopa.score(...)``; see the README's "Python API".
API = ("configure", "load", "build", "inputs", "score", "metric", "trainset", "save",
       "load_program")

__all__ = list(API)


def __getattr__(name: str):
    if name in API:
        from mopa import api  # lazy: see API above

        return getattr(api, name)
    raise AttributeError(f"module 'mopa' has no attribute {name!r}; the Python API is "
                         f"{', '.join(API)}")


def __dir__() -> list[str]:
    return sorted([*globals(), *API])
