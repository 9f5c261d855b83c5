#!/usr/bin/env bash
# The pipeline's cost: `qalam run` with local workers against `qalam annotate`
# in one process, side by side, on the same >= 1 GB corpus.
#
#   bench/pipeline_bench.sh [BUILD_DIR]            (default build/)
#
# Environment:
#   QALAM_BENCH_DATA   source corpus (default /work/shared/data/ar-multi/train.jsonl)
#   QALAM_BENCH_DIR    scratch folder (default /tmp/qalam-pipeline-bench); needs ~1.5 GB
#   QALAM_BENCH_MB     corpus size in MB (default 1024)
#   QALAM_BENCH_WORKERS  local workers for `qalam run` (default 2)
#   QALAM_WORKER_BINARY  worker executable (default: qalam-worker when built,
#                        else the test worker tests/testing/qalam-test-worker)
#
# Prints one line per command (wall seconds, articles/s, CPU seconds) and the
# figures the pipeline is held to: run's articles/s per worker core against
# annotate's per core (>= 85%), and the coordinator's peak RSS (< 200 MB),
# read from /proc/PID/status (VmHWM) of the `qalam run` process itself.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
QALAM="$BUILD/coordinator/qalam"
SRC="${QALAM_BENCH_DATA:-/work/shared/data/ar-multi/train.jsonl}"
DIR="${QALAM_BENCH_DIR:-/tmp/qalam-pipeline-bench}"
MB="${QALAM_BENCH_MB:-1024}"
WORKERS="${QALAM_BENCH_WORKERS:-2}"
if [ -z "${QALAM_WORKER_BINARY:-}" ]; then
  if [ -x "$BUILD/workers/qalam-worker" ]; then
    QALAM_WORKER_BINARY="$BUILD/workers/qalam-worker"
  else
    QALAM_WORKER_BINARY="$BUILD/tests/testing/qalam-test-worker"
  fi
fi
mkdir -p "$DIR"
CORPUS="$DIR/corpus.jsonl"
want=$((MB * 1024 * 1024))
if [ ! -f "$CORPUS" ] || [ "$(stat -c %s "$CORPUS")" -lt "$want" ]; then
  : > "$CORPUS"
  while [ "$(stat -c %s "$CORPUS")" -lt "$want" ]; do cat "$SRC" >> "$CORPUS"; done
fi
bytes=$(stat -c %s "$CORPUS")
articles=$(wc -l < "$CORPUS")
echo "corpus: $CORPUS, $bytes bytes, $articles articles ($SRC repeated)"
echo "worker: $QALAM_WORKER_BINARY, $WORKERS local workers; $(nproc) cores"
cat "$CORPUS" > /dev/null  # warm the page cache for both commands alike

# Runs a command under /usr/bin/time; polls VmHWM of the process itself.
measure() {
  local name="$1"
  shift
  local tfile="$DIR/$name.time" hwm=0 cpu=0
  /usr/bin/time -f "%e %U %S %M" -o "$tfile" "$@" &
  local tpid=$!
  sleep 0.05
  local pid
  pid=$(pgrep -P "$tpid" | head -1 || true)
  while kill -0 "$tpid" 2>/dev/null; do
    if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
      local h
      h=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
      local c
      c=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
      [ -n "$c" ] && [ "$c" -gt "$cpu" ] && cpu=$c
    fi
    sleep 0.1
  done
  wait "$tpid"
  read -r wall user sys maxrss < "$tfile"
  echo "$name $wall $user $sys $hwm $cpu"
}

rm -rf "$DIR/out"
A=$(measure annotate "$QALAM" annotate "$CORPUS" -o "$DIR/annotate.jsonl" --errors "$DIR/annotate.err")
R=$(measure run "$QALAM" run "$CORPUS" -o "$DIR/out" --workers "$WORKERS" \
      --worker-binary "$QALAM_WORKER_BINARY" 2> "$DIR/run.stderr")
grep "^qalam run: CPU" "$DIR/run.stderr" || true
cmp -s "$DIR/annotate.jsonl" "$DIR/out/results.jsonl" && same=yes || same=NO
python3 - "$articles" "$WORKERS" "$same" "$A" "$R" <<'PY'
import sys
n, workers, same = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rows = {}
for line in sys.argv[4:]:
    name, wall, user, sys_, hwm, ticks = line.split()
    rows[name] = (float(wall), float(user), float(sys_), int(hwm), int(ticks) / 100.0)
aw, au, asys, ahwm, _ = rows["annotate"]
rw, ru, rsys, rhwm, rcoord = rows["run"]
a_rate, r_rate = n / aw, n / rw
print("%-9s %8s %12s %14s %10s" % ("command", "wall s", "articles/s", "per core", "CPU s"))
print("%-9s %8.2f %12.0f %14.0f %10.2f" % ("annotate", aw, a_rate, a_rate, au + asys))
print("%-9s %8.2f %12.0f %14.0f %10.2f  (%d workers; CPU s includes them)" %
      ("run", rw, r_rate, r_rate / workers, ru + rsys, workers))
print("per-core ratio run/annotate: %.1f%% (target >= 85%%)" % (100 * r_rate / workers / a_rate))
print("CPU per article: annotate %.1f us, run %.1f us (coordinator %.1f us, workers %.1f us): "
      "CPU overhead %.1f%%" % (1e6 * (au + asys) / n, 1e6 * (ru + rsys) / n, 1e6 * rcoord / n,
                               1e6 * (ru + rsys - rcoord) / n, 100 * ((ru + rsys) / (au + asys) - 1)))
print("coordinator peak RSS (VmHWM of qalam run): %.1f MB (target < 200 MB)" % (rhwm / 1024))
print("results.jsonl identical to annotate: %s" % same)
PY
