#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest:
#   1. Release build (build/): every test.
#   2. ASan + UBSan build with clang (build-asan/): every test again, and the
#      libFuzzer targets for a bounded run.
# Exits non-zero on any failure. QALAM_SKIP_SANITIZE=1 skips step 2.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
JOBS="${QALAM_JOBS:-$(nproc)}"

echo "== Release build and tests" >&2
scripts/build.sh
ctest --test-dir "${QALAM_BUILD_DIR:-build}" --output-on-failure -j "$JOBS" --timeout 600

if [ "${QALAM_SKIP_SANITIZE:-0}" != "1" ]; then
  echo "== ASan + UBSan build and tests (clang)" >&2
  if [ ! -f build-asan/build.ninja ]; then
    CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DQALAM_SANITIZE=ON -DQALAM_FUZZ=ON -DQALAM_BUILD_BENCH=OFF >/dev/null
  fi
  cmake --build build-asan -j "$JOBS"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$JOBS" --timeout 900
fi
echo "== all tests passed" >&2
