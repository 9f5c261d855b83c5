#!/usr/bin/env bash
# Quick start: installs what is missing, builds if needed, and annotates the
# bundled sample corpus (or the inputs given) with qalam.
#
#   scripts/run.sh                 # examples/sample.jsonl
#   scripts/run.sh my.jsonl.gz ... # your inputs
#
# Writes the result lines to out/annotate.jsonl (QALAM_OUT to change) and
# error lines, if any, to out/annotate.errors.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
scripts/deps.sh
scripts/build.sh >/dev/null
BUILD_DIR="${QALAM_BUILD_DIR:-build}"
OUT="${QALAM_OUT:-out}"
mkdir -p "$OUT"
if [ $# -eq 0 ]; then
  set -- "$ROOT/examples/sample.jsonl"
fi
"$BUILD_DIR/coordinator/qalam" annotate "$@" -o "$OUT/annotate.jsonl" \
  --errors "$OUT/annotate.errors.jsonl"
n=$(wc -l < "$OUT/annotate.jsonl")
e=$(wc -l < "$OUT/annotate.errors.jsonl")
echo "qalam: $n result lines in $OUT/annotate.jsonl, $e error lines in $OUT/annotate.errors.jsonl"
