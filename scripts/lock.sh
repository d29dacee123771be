#!/usr/bin/env bash
# Regenerate requirements/lock.txt: the exact, hash-pinned versions that scripts/setup.sh and
# CI install. Run it after changing dependencies in pyproject.toml (or to take new releases),
# then run the test suite in a fresh virtualenv before committing the new lock:
#   python -m venv /tmp/v && . /tmp/v/bin/activate && bash scripts/setup.sh && python -m pytest
# The lock is universal (markers per Python version/platform) from Python 3.10 up.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip show uv >/dev/null 2>&1 || python -m pip install -q uv
python -m uv pip compile pyproject.toml --extra embedded --extra server --extra postgres \
  --extra dev --universal --python-version 3.10 --generate-hashes -o requirements/lock.txt "$@"
