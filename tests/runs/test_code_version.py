"""code_version hashes the sources of every package pyproject.toml installs."""

from pathlib import Path

import pytest

from mopa.runs import code_version

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_every_installed_package_is_in_the_code_version():
    packages = tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]["packages"]
    assert {package for package, _ in code_version._SOURCES} == set(packages)
