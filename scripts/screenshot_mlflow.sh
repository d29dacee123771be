#!/usr/bin/env bash
# The README's MLflow screenshots: run the README quick start in a scratch directory, then take
# headless-Chromium screenshots of the runs table (sorted by METEOR) and of the study's parent
# run into docs/ (scripts/mlflow_browser.py). LM=fake gives the same pages in seconds without
# the embedded model (its scores are meaningless); the default is the quick start's own LM.
#
#   bash scripts/screenshot_mlflow.sh            # embedded Gemma-3-270M, a few minutes
#   LM=fake bash scripts/screenshot_mlflow.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mopa tune --data demo:product_review --study quickstart --trials 3 --limit 5 \
  --presets rag-mopa,planner-mopa --agents 2-4 --layers 1-2 \
  --aggregators fusion,consensus,merge --trim --max-tokens 160 \
  --lm "${LM:-embedded}" --no-progress
python "$repo/scripts/mlflow_browser.py" --tracking-uri "sqlite:///$work/mlflow.db" \
  --out-dir "$repo/docs"
