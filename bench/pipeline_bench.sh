#!/usr/bin/env bash
# The pipeline's cost: `qalam run` with local qalam-workers against `qalam
# annotate` in one process, side by side, on the same >= 1 GB corpus.
#
#   bench/pipeline_bench.sh [BUILD_DIR]            (default build/)
#
# Environment:
#   QALAM_BENCH_DATA     source corpus (default /work/shared/data/ar-multi/train.jsonl)
#   QALAM_BENCH_DIR      scratch folder (default /tmp/qalam-pipeline-bench); needs ~2 GB
#   QALAM_BENCH_MB       corpus size in MB (default 1024)
#   QALAM_BENCH_WORKERS  local workers for `qalam run` (default 2)
#   QALAM_BENCH_ROUNDS   rounds of (annotate, run, control), one after the other (default 1)
#   QALAM_BENCH_CONTROL  1 (default): also run WORKERS `qalam annotate` processes at once,
#                        each on its share of the corpus (see below); 0 skips it
#   QALAM_WORKER_BINARY  worker executable (default: BUILD_DIR/workers/qalam-worker)
#
# Per round it prints, for each command, wall seconds, articles/s, CPU
# seconds and CPU microseconds per article, split for `qalam run` into the
# coordinator (getrusage of the `qalam run` process itself) and the local
# workers (getrusage of its reaped children, which `qalam run` prints), and
# the figures the pipeline is held to:
#   * per-core ratio: run's articles/s per worker core / annotate's articles/s
#     (>= 85%), by wall clock (what the target says; on a shared machine it
#     measures the scheduler as much as qalam) and by CPU time (annotate's CPU
#     per article / the pipeline's, coordinator included);
#   * the coordinator's peak RSS (< 200 MB): the `qalam run` process's own
#     (getrusage ru_maxrss, i.e. VmHWM), which it prints at the end.
# The control runs WORKERS annotate processes at once: its CPU per article
# against annotate alone shows what running WORKERS CPU-bound processes at
# once costs on this machine (shared caches, the host), i.e. the part of the
# pipeline's figure that is not gRPC, merging or the coordinator.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
QALAM="$BUILD/coordinator/qalam"
SRC="${QALAM_BENCH_DATA:-/work/shared/data/ar-multi/train.jsonl}"
DIR="${QALAM_BENCH_DIR:-/tmp/qalam-pipeline-bench}"
MB="${QALAM_BENCH_MB:-1024}"
WORKERS="${QALAM_BENCH_WORKERS:-2}"
ROUNDS="${QALAM_BENCH_ROUNDS:-1}"
CONTROL="${QALAM_BENCH_CONTROL:-1}"
WORKER_BIN="${QALAM_WORKER_BINARY:-$BUILD/workers/qalam-worker}"
if [ ! -x "$WORKER_BIN" ]; then
  echo "pipeline_bench: no worker binary at $WORKER_BIN (build qalam-worker)" >&2
  exit 1
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
if [ "$CONTROL" = 1 ]; then
  # The control's shares: WORKERS files of consecutive lines.
  # (In a folder of their own, so that nothing else matches share/part.*.)
  per=$(( (articles + WORKERS - 1) / WORKERS ))
  if [ ! -f "$DIR/share/part.0" ] || [ "$(cat "$DIR"/share/part.* | wc -l)" -ne "$articles" ]; then
    rm -rf "$DIR/share"
    mkdir -p "$DIR/share"
    split -l "$per" -d -a 2 "$CORPUS" "$DIR/share/part."
  fi
  mkdir -p "$DIR/share-out"
fi
echo "corpus: $CORPUS, $bytes bytes, $articles articles ($SRC repeated)"
echo "worker: $WORKER_BIN, $WORKERS local workers; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$CORPUS" > /dev/null  # warm the page cache for every command alike

# measure NAME CMD...: runs CMD under /usr/bin/time; prints "NAME wall user
# sys". (Nothing polls the command while it runs: a poller forking twenty
# processes a second took CPU from `qalam run`, which keeps both cores busy,
# and none from annotate, which leaves one idle.)
measure() {
  local name="$1"
  shift
  # Each command starts with the previous one's output written back: else
  # the kernel's writeback of annotate's 482 MB (or of the last round's
  # files) runs during the next command, on its cores and its disk.
  sync
  local tfile="$DIR/$name.time"
  /usr/bin/time -f "%e %U %S" -o "$tfile" "$@"
  echo "$name $(cat "$tfile")"
}

: > "$DIR/rounds.txt"
for round in $(seq 1 "$ROUNDS"); do
  echo "--- round $round (load $(cut -d' ' -f1-3 /proc/loadavg))"
  rm -rf "$DIR/out"
  A=$(measure annotate "$QALAM" annotate "$CORPUS" -o "$DIR/annotate.jsonl" --errors "$DIR/annotate.err")
  R=$(measure run "$QALAM" run "$CORPUS" -o "$DIR/out" --workers "$WORKERS" \
        --worker-binary "$WORKER_BIN" --progress-seconds 60 2> "$DIR/run.stderr")
  split_line=$(grep "^qalam run: CPU" "$DIR/run.stderr" || true)
  # The coordinator's own peak RSS, as `qalam run` reports it (getrusage).
  peak_mb=$(sed -n 's/^qalam run: peak memory: coordinator \([0-9.]*\) MB$/\1/p' "$DIR/run.stderr")
  C="control 0 0 0"
  if [ "$CONTROL" = 1 ]; then
    rm -f "$DIR"/share-out/*
    sync
    start=$(date +%s.%N)
    pids=()
    for p in "$DIR"/share/part.*; do
      out="$DIR/share-out/$(basename "$p")"
      /usr/bin/time -f "%e %U %S" -o "$out.time" "$QALAM" annotate "$p" -o "$out.jsonl" \
        --errors /dev/null &
      pids+=($!)
    done
    wait "${pids[@]}"
    end=$(date +%s.%N)
    cat "$DIR"/share-out/part.*.jsonl | cmp -s - "$DIR/annotate.jsonl" ||
      echo "pipeline_bench: the control's output differs from annotate's" >&2
    C="control $(echo "$end - $start" | bc) $(cat "$DIR"/share-out/part.*.time | awk '{u+=$2; s+=$3} END {print u, s}')"
  fi
  cmp -s "$DIR/annotate.jsonl" "$DIR/out/results.jsonl" && same=yes || same=NO
  echo "$A|$R|$C|$split_line|$peak_mb" >> "$DIR/rounds.txt"
  python3 - "$articles" "$WORKERS" "$same" "$split_line" "$A" "$R" "$C" "${peak_mb:-0}" <<'PY'
import re, sys
n, workers, same, split = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
peak_mb = float(sys.argv[8])
rows = {}
for line in sys.argv[5:8]:
    name, wall, user, sys_ = line.split()
    rows[name] = (float(wall), float(user) + float(sys_))
aw, acpu = rows["annotate"]
rw, rcpu = rows["run"]
m = re.search(r"coordinator ([\d.]+) s .*local workers ([\d.]+) s", split)
coord, work = (float(m.group(1)), float(m.group(2))) if m else (float("nan"), float("nan"))
us = lambda s: 1e6 * s / n
a_rate, r_rate = n / aw, n / rw
print("%-22s %8s %11s %10s %8s %12s" % ("command", "wall s", "articles/s", "per core", "CPU s", "CPU us/art"))
print("%-22s %8.2f %11.0f %10.0f %8.2f %12.1f" % ("annotate", aw, a_rate, a_rate, acpu, us(acpu)))
print("%-22s %8.2f %11.0f %10.0f %8.2f %12.1f" % ("run, %d workers" % workers, rw, r_rate,
                                                  r_rate / workers, rcpu, us(rcpu)))
print("%-22s %8s %11s %10s %8.2f %12.1f" % ("  coordinator", "", "", "", coord, us(coord)))
print("%-22s %8s %11s %10s %8.2f %12.1f" % ("  workers", "", "", "", work, us(work)))
cw, ccpu = rows["control"]
if cw > 0:
    print("%-22s %8.2f %11.0f %10.0f %8.2f %12.1f" % ("control: %d annotates" % workers, cw, n / cw,
                                                      n / cw / workers, ccpu, us(ccpu)))
print("per-core ratio run/annotate: wall clock %.1f%%, CPU time %.1f%% (target >= 85%%)" %
      (100 * r_rate / workers / a_rate, 100 * acpu / (coord + work)))
print("CPU per article: annotate %.1f us; run %.1f us = coordinator %.1f + workers %.1f "
      "(workers +%.1f%% over annotate)" % (us(acpu), us(coord + work), us(coord), us(work),
                                          100 * (work / acpu - 1)))
if cw > 0:
    print("control: %d annotates at once cost %.1f us/article (+%.1f%% over one alone); "
          "run's CPU against the control: %.1f%%" % (workers, us(ccpu), 100 * (ccpu / acpu - 1),
                                                     100 * ccpu / (coord + work)))
    print("per-core ratio run/control (both with %d processes busy at once): wall clock %.1f%%" %
          (workers, 100 * r_rate / (n / cw)))
print("coordinator peak RSS (qalam run's own, as it reports it): %.1f MB (target < 200 MB)" % peak_mb)
print("results.jsonl identical to annotate: %s" % same)
PY
done

# Over all rounds: this machine's noise (other VMs on the host) only ever
# slows a command down, so the fastest round of each command is the best
# estimate of what it costs; the medians are shown beside them.
if [ "$ROUNDS" -gt 1 ]; then
  python3 - "$articles" "$WORKERS" "$DIR/rounds.txt" <<'PY'
import re, statistics, sys
n, workers = int(sys.argv[1]), int(sys.argv[2])
runs = {"annotate": [], "run": [], "control": [], "coord": [], "work": []}
for row in open(sys.argv[3]):
    a, r, c, split, _ = row.rstrip("\n").split("|")
    for name, f in (("annotate", a), ("run", r), ("control", c)):
        _, wall, user, sys_ = f.split()
        runs[name].append((float(wall), float(user) + float(sys_)))
    m = re.search(r"coordinator ([\d.]+) s .*local workers ([\d.]+) s", split)
    if m:
        runs["coord"].append(float(m.group(1)))
        runs["work"].append(float(m.group(2)))
print("=== over %d rounds (best = fastest wall clock / least CPU; median)" % len(runs["run"]))
us = lambda s: 1e6 * s / n
# Paired: each round's run against the annotate just before it (the host's
# load drifts over minutes, so neighbours are the fairest comparison).
paired = [100 * (a[0] * 1.0) / (r[0] * workers) for a, r in zip(runs["annotate"], runs["run"])]
print("per round, run/annotate per core by wall clock: %s; median %.1f%%, %d of %d rounds >= 85%%" %
      (", ".join("%.1f%%" % x for x in paired), statistics.median(paired),
       sum(x >= 85 for x in paired), len(paired)))
for how, pick in (("best", min), ("median", statistics.median)):
    aw = pick(w for w, _ in runs["annotate"]); acpu = pick(c for _, c in runs["annotate"])
    rw = pick(w for w, _ in runs["run"]); rcpu = pick(c for _, c in runs["run"])
    line = ("%-6s annotate %.0f articles/s (%.1f us CPU); run %.0f articles/s, %.0f per worker core "
            "(%.1f us CPU)" % (how, n / aw, us(acpu), n / rw, n / rw / workers, us(rcpu)))
    if runs["coord"]:
        line += " = coordinator %.1f + workers %.1f" % (us(pick(runs["coord"])), us(pick(runs["work"])))
    print(line)
    print("       per-core ratio run/annotate: wall clock %.1f%%, CPU time %.1f%%" %
          (100 * (n / rw / workers) / (n / aw), 100 * acpu / rcpu))
    if all(w > 0 for w, _ in runs["control"]):
        cw = pick(w for w, _ in runs["control"])
        print("       control %.0f articles/s; per-core ratio run/control: wall clock %.1f%%" %
              (n / cw, 100 * (n / rw) / (n / cw)))
PY
fi
