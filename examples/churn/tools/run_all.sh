#!/usr/bin/env bash
# Run the four pipeline stages in order, as `dvc repro` would, without DVC or the workbench.
# Usage: tools/run_all.sh   (from anywhere; PYTHON overrides the interpreter, default python3)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
for stage in prepare featurize train evaluate; do
  echo "== $stage"
  "$python" "src/$stage.py"
done
