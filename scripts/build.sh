#!/usr/bin/env bash
# Configures (once) and builds qalam in Release into build/ (or $QALAM_BUILD_DIR).
# Incremental: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${QALAM_BUILD_DIR:-build}"
JOBS="${QALAM_JOBS:-$(nproc)}"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
