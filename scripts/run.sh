#!/usr/bin/env bash
# Quick start: installs what is missing, builds if needed, and runs the
# pipeline (`qalam run`: a coordinator and local qalam workers over gRPC) on
# the bundled sample corpus, or on the inputs given.
#
#   scripts/run.sh                 # examples/sample.jsonl
#   scripts/run.sh my.jsonl.gz ... # your inputs (also .jsonl.zst, .txt folders)
#
# Writes out/results.jsonl (one line per article, in input order),
# out/errors.jsonl (records that could not be processed) and out/report.json
# (counts, languages, labels, keywords, lengths, duplicates, speed).
# QALAM_OUT changes the folder; extra flags go in QALAM_RUN_FLAGS (e.g.
# "--workers 4" or "--connect dns:///qalam-workers:7070").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
scripts/deps.sh
scripts/build.sh >/dev/null
BUILD_DIR="${QALAM_BUILD_DIR:-build}"
OUT="${QALAM_OUT:-out}"
if [ $# -eq 0 ]; then
  set -- "$ROOT/examples/sample.jsonl"
fi
# `qalam run` starts the qalam-worker built beside it (build/workers/).
# shellcheck disable=SC2086
"$BUILD_DIR/coordinator/qalam" run "$@" -o "$OUT" ${QALAM_RUN_FLAGS:-}
n=$(wc -l < "$OUT/results.jsonl")
e=$(wc -l < "$OUT/errors.jsonl")
echo "qalam: $n results in $OUT/results.jsonl, $e errors in $OUT/errors.jsonl, report in $OUT/report.json"
