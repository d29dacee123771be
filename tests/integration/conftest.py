"""The integration tests' shared helpers: ``scripts/mlflow_browser.py`` (free ports, stopping a
server's process group, the MLflow UI in headless Chromium) is a script, not a package module,
so it is loaded from its path once here."""

import importlib.util
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "mlflow_browser", Path(__file__).resolve().parents[2] / "scripts" / "mlflow_browser.py")
browser = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(browser)
