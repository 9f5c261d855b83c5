#!/usr/bin/env python3
"""End-to-end tests of `qalam run` and `qalam merge` with real processes,
real files and real gRPC.

    run_test.py QALAM WORKER TEST_WORKER SOURCE_DIR CASE

WORKER is the real qalam-worker; TEST_WORKER is qalam-test-worker, the same
server with failure knobs (crash, hang, errors, slowness, a log of the
records it processed), used only by the tests that need those knobs.
CASE is one of the functions named test_* below (without the prefix). The
corpora are generated from examples/sample.jsonl at test time. No test
asserts on timing: waits are for conditions (a log reaching a size, a
process ending), each with a generous limit that only a hang would reach.
Every process a test starts is killed at its end.
"""
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

QALAM, WORKER, TEST_WORKER, SRC, CASE = sys.argv[1:6]
TMP = tempfile.mkdtemp(prefix="/tmp/qt-")  # short: unix socket paths
PROCS = []
WAIT_LIMIT = 300  # seconds; reached only when something hangs


def fail(msg):
    raise AssertionError(msg)


def spawn(args, **kw):
    p = subprocess.Popen(args, **kw)
    PROCS.append(p)
    return p


def wait_for(cond, what):
    deadline = time.time() + WAIT_LIMIT
    while not cond():
        if time.time() > deadline:
            fail("timed out waiting for " + what)
        time.sleep(0.02)


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        return f.read().splitlines()


def make_corpus(path, n, extra=None):
    """n articles cycled from the sample with unique ids (and a marker word
    so that they are not all exact duplicates); `extra` maps a position to a
    raw line inserted there."""
    sample = [json.loads(l) for l in open(os.path.join(SRC, "examples/sample.jsonl"), encoding="utf-8")]
    with open(path, "wb") as f:
        for i in range(n):
            if extra and i in extra:
                f.write(extra[i] + b"\n")
                continue
            s = sample[i % len(sample)]
            rec = {"id": "a%05d" % i, "title": s["title"], "text": s["text"] + (" رقم %d" % (i // len(sample)))}
            f.write(json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n")


def annotate(inputs, out, err=None, args=()):
    with open(out, "wb") as o, open(err or os.devnull, "wb") as e:
        rc = subprocess.call([QALAM, "annotate", *args, *inputs], stdout=o, stderr=e)
    if rc != 0:
        fail("annotate failed")


def run(inputs, out, workers=2, args=(), check=True, worker_args=(), worker=WORKER):
    """`qalam run`; worker=None lets it find its default worker binary."""
    cmd = [QALAM, "run", *inputs, "-o", out]
    if worker is not None:
        cmd += ["--worker-binary", worker]
    if "--progress-seconds" not in args:
        cmd.append("--quiet")
    if "--connect" not in args:
        cmd += ["--workers", str(workers)]
    for a in worker_args:
        cmd.append("--worker-arg=" + a)
    cmd += list(args)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode != 0:
        fail("qalam run failed (%d): %s" % (p.returncode, p.stderr.decode(errors="replace")[-3000:]))
    return p


def same_file(a, b, what):
    with open(a, "rb") as x, open(b, "rb") as y:
        if x.read() != y.read():
            fail("%s: %s and %s differ" % (what, a, b))


def report_counts(out):
    """DIR/report.json without its "timing" (which differs from run to run)."""
    rep = json.load(open(os.path.join(out, "report.json")))
    del rep["timing"]
    return rep


def same_report(a_dir, b_dir, what):
    """The two folders' reports count the same; returns the first."""
    a, b = report_counts(a_dir), report_counts(b_dir)
    if a != b:
        fail("%s:\n%r\n%r" % (what, a, b))
    return a


def start_worker(name, *knobs):
    sock = os.path.join(TMP, name + ".sock")
    log = os.path.join(TMP, name + ".seqs")
    p = spawn([TEST_WORKER, "--listen", "unix:" + sock, "--seq-log", log, *knobs],
              stdout=subprocess.DEVNULL)
    wait_for(lambda: os.path.exists(sock), "worker " + name + " to listen")
    return p, "unix:" + sock, log


def listening_port(p):
    """The port of a qalam-worker started on 127.0.0.1:0, from its stderr line
    "qalam-worker listening on 127.0.0.1:PORT"."""
    for _ in range(1000):
        line = p.stderr.readline().decode(errors="replace")
        if not line:
            fail("the worker exited before listening")
        if "listening on " in line:
            return int(line.strip().rsplit(":", 1)[1])
    fail("no 'listening on' line")


def pids_with(marker):
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if marker.encode() in f.read():
                    out.append(int(pid))
        except OSError:
            pass
    return out


def read_checkpoint(out):
    try:
        with open(os.path.join(out, ".qalam/checkpoint")) as f:
            return dict(l.split(" ", 1) for l in f.read().splitlines()[1:])
    except (OSError, ValueError):
        return {}


# ---------------------------------------------------------------------------


def test_identical():
    """results.jsonl (and errors.jsonl) byte-identical to `qalam annotate`
    with 1, 2 and 4 workers, over JSONL, .gz, a .txt folder and bad records."""
    corpus = os.path.join(TMP, "c.jsonl")
    # Line 31 has no id: it must be "line-31" whichever worker renders it
    # (Record.line), as `qalam annotate` names it.
    make_corpus(corpus, 1500, extra={7: b'{"id":"bad","text":', 20: b'{"id":"e","text":""}',
                                     30: '{"text":"نص بلا معرف. وجملة ثانية."}'.encode()})
    gz = os.path.join(TMP, "c2.jsonl.gz")
    with open(corpus, "rb") as f, gzip.open(gz, "wb") as g:
        g.write(b"".join(f.readlines()[:300]))
    folder = os.path.join(TMP, "txt")
    shutil.copytree(os.path.join(SRC, "examples/seed"), folder)
    inputs = [corpus, gz, folder]
    annotate(inputs, os.path.join(TMP, "want.jsonl"), os.path.join(TMP, "want.err"))
    if len(lines(os.path.join(TMP, "want.err"))) != 4:
        fail("expected 4 bad records (2 in the corpus, 2 in the .gz copy)")
    reports = []
    for n in (1, 2, 4):
        out = os.path.join(TMP, "out%d" % n)
        # No --worker-binary: `qalam run` finds the real qalam-worker itself.
        run(inputs, out, workers=n, args=["--shard-records", "97"], worker=None)
        same_file(os.path.join(TMP, "want.jsonl"), os.path.join(out, "results.jsonl"), "%d workers" % n)
        same_file(os.path.join(TMP, "want.err"), os.path.join(out, "errors.jsonl"), "errors, %d workers" % n)
        reports.append(report_counts(out))
    if not (reports[0] == reports[1] == reports[2]):
        fail("reports differ with the number of workers")
    rep = reports[0]
    if rep["articles"] != {"in": 1801, "processed": 1797, "failed": 4}:
        fail("report articles: %r" % rep["articles"])
    if not any(l.startswith(b'{"id":"line-31"') for l in lines(os.path.join(TMP, "want.jsonl"))):
        fail("the article without an id is not line-31")
    if rep["duplicates"]["exact"]["groups"] != 298:  # the .gz repeats 298 good articles
        fail("exact duplicate groups: %r" % rep["duplicates"]["exact"])
    # Running again into the same folder replaces the job.
    run(inputs, os.path.join(TMP, "out2"), workers=2)
    same_file(os.path.join(TMP, "want.jsonl"), os.path.join(TMP, "out2", "results.jsonl"), "rerun")


def _failure_run(knobs, extra_args=()):
    corpus = os.path.join(TMP, "c.jsonl")
    make_corpus(corpus, 3000)
    annotate([corpus], os.path.join(TMP, "want.jsonl"))
    good1, t1, log1 = start_worker("good1", "--slow-ms", "5")
    good2, t2, log2 = start_worker("good2", "--slow-ms", "5")
    bad, t3, log3 = start_worker("bad", *knobs)
    out = os.path.join(TMP, "out")
    p = run([corpus], out, args=["--connect", ",".join([t1, t2, t3]), "--shard-records", "40",
                                 "--call-timeout", "2", *extra_args])
    same_file(os.path.join(TMP, "want.jsonl"), os.path.join(out, "results.jsonl"), "with a failing worker")
    if lines(os.path.join(out, "errors.jsonl")):
        fail("unexpected errors: %r" % lines(os.path.join(out, "errors.jsonl"))[:3])
    seqs = lines(log1) + lines(log2) + lines(log3)
    if len(set(seqs)) != 3000:
        fail("not every article was processed: %d" % len(set(seqs)))
    return p, bad, log3


def test_worker_killed():
    """A worker SIGKILLed in the middle: the job completes, identical output."""
    corpus = os.path.join(TMP, "c.jsonl")
    make_corpus(corpus, 3000)
    annotate([corpus], os.path.join(TMP, "want.jsonl"))
    w1, t1, log1 = start_worker("w1", "--slow-ms", "10")
    w2, t2, log2 = start_worker("w2", "--slow-ms", "10")
    out = os.path.join(TMP, "out")
    cmd = [QALAM, "run", corpus, "-o", out, "--quiet", "--connect", t1 + "," + t2,
           "--shard-records", "40"]
    p = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: len(lines(log2)) >= 200 or p.poll() is not None, "worker 2 to start")
    if p.poll() is not None:
        fail("the run ended before the worker could be killed")
    w2.kill()
    killed_at = len(lines(log2))
    _, err = p.communicate(timeout=WAIT_LIMIT)
    if p.returncode != 0:
        fail("run failed: " + err.decode(errors="replace")[-2000:])
    if killed_at >= 3000:
        fail("worker 2 did everything before it was killed")
    same_file(os.path.join(TMP, "want.jsonl"), os.path.join(out, "results.jsonl"), "after a worker was killed")
    if lines(os.path.join(out, "errors.jsonl")):
        fail("unexpected errors")


def test_worker_hangs():
    """A worker that stops answering: its shards time out and go elsewhere."""
    p, _, log = _failure_run(["--hang-after", "3"])
    if len(lines(log)) >= 3000:
        fail("the hanging worker did all the work")


def test_old_workers():
    """Workers that send no RecordStats.report (built before it) beside
    current ones: the coordinator parses their lines for report.json, and
    results and report are the same as with current workers alone."""
    corpus = os.path.join(TMP, "c.jsonl")
    make_corpus(corpus, 1200, extra={5: b'{"id":"bad","text":'})
    annotate([corpus], os.path.join(TMP, "want.jsonl"))
    new, t1, _ = start_worker("new")
    old, t2, log = start_worker("old", "--no-report-fields")
    mixed = os.path.join(TMP, "mixed")
    run([corpus], mixed, args=["--connect", ",".join([t1, t2]), "--shard-records", "30"])
    if not lines(log):
        fail("the old worker got no work")
    same_file(os.path.join(TMP, "want.jsonl"), os.path.join(mixed, "results.jsonl"), "mixed workers")
    current = os.path.join(TMP, "current")
    run([corpus], current, workers=2)
    a = same_report(mixed, current, "report with old workers differs")
    if a["articles"] != {"in": 1200, "processed": 1199, "failed": 1} or not a["keywords"]:
        fail("report: %r" % a["articles"])


def test_worker_errors():
    """A worker that fails every batch after a few: the others finish."""
    p, _, log = _failure_run(["--error-after", "3"])


def test_worker_crashes():
    """A worker that exits abruptly mid-run (its own crash)."""
    p, bad, log = _failure_run(["--crash-after", "4"])
    bad.wait(timeout=WAIT_LIMIT)


def test_health():
    """No work for a worker that fails its health check; it gets work again
    once it recovers."""
    corpus = os.path.join(TMP, "c.jsonl")
    make_corpus(corpus, 3000)
    annotate([corpus], os.path.join(TMP, "want.jsonl"))
    flag = os.path.join(TMP, "sick")
    open(flag, "w").close()
    a, ta, loga = start_worker("a", "--unhealthy-file", flag)
    b, tb, logb = start_worker("b", "--slow-ms", "30")
    out = os.path.join(TMP, "out")
    p = spawn([QALAM, "run", corpus, "-o", out, "--quiet", "--connect", ta + "," + tb,
               "--shard-records", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: len(lines(logb)) >= 300 or p.poll() is not None, "worker b to work")
    if lines(loga):
        fail("the unhealthy worker got work")
    os.remove(flag)
    _, err = p.communicate(timeout=WAIT_LIMIT)
    if p.returncode != 0:
        fail("run failed: " + err.decode(errors="replace")[-2000:])
    same_file(os.path.join(TMP, "want.jsonl"), os.path.join(out, "results.jsonl"), "health")
    if not lines(loga):
        fail("the recovered worker got no work back")


def test_resume():
    """The coordinator SIGKILLed in the middle, then --resume: identical
    output, committed records not processed again, local workers gone."""
    corpus = os.path.join(TMP, "c.jsonl")
    make_corpus(corpus, 4000, extra={10: b'{"id":"x1","text":5}'})
    annotate([corpus], os.path.join(TMP, "want.jsonl"), os.path.join(TMP, "want.err"))
    out = os.path.join(TMP, "out")
    log1 = os.path.join(TMP, "run1.seqs")
    cmd = [QALAM, "run", corpus, "-o", out, "--quiet", "--workers", "2", "--worker-binary",
           TEST_WORKER, "--shard-records", "40", "--worker-arg=--slow-ms=60"]
    p = spawn(cmd + ["--worker-arg=--seq-log=" + log1], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: int(read_checkpoint(out).get("positions", "0")) >= 800 or p.poll() is not None,
             "a checkpoint")
    workers = pids_with("\0--seq-log=" + log1)
    if p.poll() is not None or len(workers) != 2:
        fail("the run ended early, or not 2 local workers: %r" % workers)
    p.send_signal(signal.SIGKILL)
    p.wait()
    committed = int(read_checkpoint(out)["positions"])
    if not 0 < committed < 4000:
        fail("killed too late: %d committed" % committed)
    # The local workers die with their coordinator.
    wait_for(lambda: not pids_with("\0--seq-log=" + log1), "local workers to exit after the coordinator was killed")
    # Resuming with other options is refused, clearly.
    bad = subprocess.run(cmd + ["--resume", "--offsets", "utf16"], stderr=subprocess.PIPE)
    if bad.returncode == 0 or b"different job" not in bad.stderr:
        fail("resuming a different job was not refused: " + bad.stderr.decode(errors="replace"))
    # Without --resume, the unfinished job is not silently thrown away.
    bad = subprocess.run(cmd, stderr=subprocess.PIPE)
    if bad.returncode == 0 or b"--resume" not in bad.stderr:
        fail("an unfinished job was overwritten without --resume")
    log2 = os.path.join(TMP, "run2.seqs")
    p2 = subprocess.run(cmd + ["--resume", "--worker-arg=--seq-log=" + log2], stderr=subprocess.PIPE)
    if p2.returncode != 0:
        fail("resume failed: " + p2.stderr.decode(errors="replace")[-2000:])
    same_file(os.path.join(TMP, "want.jsonl"), os.path.join(out, "results.jsonl"), "resumed run")
    same_file(os.path.join(TMP, "want.err"), os.path.join(out, "errors.jsonl"), "resumed errors")
    redone = [int(s) for s in lines(log2) if int(s) < committed]
    if redone:
        fail("%d committed records were processed again, e.g. %r" % (len(redone), redone[:5]))
    want = 4000 - committed - (1 if committed <= 10 else 0)  # the bad record is never sent
    if len(set(lines(log2))) != want:
        fail("the resumed run processed %d records, want %d" % (len(set(lines(log2))), want))
    print("resume: %d of 4000 records committed before the kill; the resumed run processed %d"
          % (committed, len(lines(log2))))
    # report.json: the resumed run read back what was committed and took the
    # rest from the workers; `qalam merge` builds it from the files alone.
    # Both must count the same (the timing aside).
    rebuilt = os.path.join(TMP, "rebuilt")
    m = subprocess.run([QALAM, "merge", out, "-o", rebuilt], stderr=subprocess.PIPE)
    if m.returncode != 0:
        fail("merge of the resumed job failed: " + m.stderr.decode(errors="replace")[-2000:])
    a = same_report(out, rebuilt, "the resumed run's report differs from one built from its files")
    if a["articles"] != {"in": 4000, "processed": 3999, "failed": 1}:
        fail("resumed report counts: %r" % a["articles"])
    # Resuming a finished job is a no-op that keeps the output.
    p3 = subprocess.run(cmd + ["--resume"], stderr=subprocess.PIPE)
    if p3.returncode != 0:
        fail("resuming a finished job failed")
    same_file(os.path.join(TMP, "want.jsonl"), os.path.join(out, "results.jsonl"), "resumed twice")


def test_poison():
    """An article that crashes workers and one that hangs them are isolated
    and recorded; every other article is processed."""
    corpus = os.path.join(TMP, "c.jsonl")
    extra = {
        777: json.dumps({"id": "poison-crash", "text": "هذا نص POISON_CRASH_MARK يقتل العامل."}).encode(),
        1500: json.dumps({"id": "poison-hang", "text": "هذا نص POISON_HANG_MARK يعلق العامل."}).encode(),
    }
    make_corpus(corpus, 2500, extra=extra)
    annotate([corpus], os.path.join(TMP, "all.jsonl"))
    want = [l for l in lines(os.path.join(TMP, "all.jsonl")) if b'"poison-' not in l]
    out = os.path.join(TMP, "out")
    run([corpus], out, workers=2, args=["--shard-records", "100", "--call-timeout", "1"],
        worker_args=["--poison-crash=POISON_CRASH_MARK", "--poison-hang=POISON_HANG_MARK"],
        worker=TEST_WORKER)
    if lines(os.path.join(out, "results.jsonl")) != want:
        fail("the good articles are not all there, in order")
    errs = [json.loads(l) for l in lines(os.path.join(out, "errors.jsonl"))]
    by_id = {e["id"]: e for e in errs}
    if sorted(by_id) != ["poison-crash", "poison-hang"] or len(errs) != 2:
        fail("poison errors: %r" % errs)
    c, h = by_id["poison-crash"], by_id["poison-hang"]
    if c["code"] != "INTERNAL" or "poison" not in c["error"] or c["line"] != 778:
        fail("crash poison: %r" % c)
    if h["code"] != "DEADLINE_EXCEEDED" or "timed out" not in h["error"] or h["line"] != 1501:
        fail("hang poison: %r" % h)


def test_bad_inputs():
    """A catalogue of bad input: each bad record gets a clear error line (the
    same as `qalam annotate` writes), every good article is processed."""
    d = os.path.join(TMP, "in")
    os.mkdir(d)
    good = lambda i: json.dumps({"id": "g%d" % i, "text": "نص جيد رقم %d. وجملة ثانية." % i},
                                ensure_ascii=False).encode()
    recs = [
        good(1),
        b'{"id":"utf8","text":"a\xff\xfeb"}',
        b'{"id":"nul","text":"a\x00b"}',
        b'\x00\x00\x00',
        b'{"id":"deep","text":"x","n":' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"id":"types","text":["not","a","string"]}',
        b'{"id":7,"text":null}',
        b'{"id":{"x":1},"text":"t"}',
        b'[1,2,3]',
        b'{"id":"trunc","text":"abc',
        good(2),
    ]
    with open(os.path.join(d, "a.jsonl"), "wb") as f:
        f.write(b"\xef\xbb\xbf")  # BOM
        f.write(b"\r\n".join(recs) + b"\r\n")  # CRLF
    # A 100 MB line: refused without being buffered.
    with open(os.path.join(d, "b.jsonl"), "wb") as f:
        f.write(good(3) + b"\n")
        f.write(b'{"id":"huge","text":"')
        chunk = b"x" * (1 << 20)
        for _ in range(100):
            f.write(chunk)
        f.write(b'"}\n')
        f.write(good(4) + b"\n")
    # Truncated .gz and .zst: the records before the damage are kept.
    body = b"".join(good(i) + b"\n" for i in range(10, 400))
    gz = gzip.compress(body)
    with open(os.path.join(d, "c.jsonl.gz"), "wb") as f:
        f.write(gz[: len(gz) // 2])
    zst = subprocess.run(["zstd", "-q", "-c"], input=body, stdout=subprocess.PIPE, check=True).stdout
    with open(os.path.join(d, "d.jsonl.zst"), "wb") as f:
        f.write(zst[: len(zst) // 2])
    inputs = [os.path.join(d, n) for n in ("a.jsonl", "b.jsonl", "c.jsonl.gz", "d.jsonl.zst")]
    annotate(inputs, os.path.join(TMP, "want.jsonl"), os.path.join(TMP, "want.err"))
    out = os.path.join(TMP, "out")
    run(inputs, out, workers=2, args=["--shard-records", "7"])
    same_file(os.path.join(TMP, "want.jsonl"), os.path.join(out, "results.jsonl"), "bad inputs: results")
    same_file(os.path.join(TMP, "want.err"), os.path.join(out, "errors.jsonl"), "bad inputs: errors")
    errs = [json.loads(l) for l in lines(os.path.join(out, "errors.jsonl"))]
    ids = [json.loads(l)["id"] for l in lines(os.path.join(out, "results.jsonl"))]
    for g in ("g1", "g2", "g3", "g4"):
        if g not in ids:
            fail("good article %s missing" % g)
    text = "\n".join("%s:%s %s %s" % (e.get("file", ""), e.get("line", ""), e["code"], e["error"]) for e in errs)
    for needle in ("invalid UTF-8", "exceeds the limit", "truncated gzip", "truncated zstd",
                   "malformed JSON", "is not a string", "not a JSON object"):
        if needle not in text:
            fail("no error mentions %r:\n%s" % (needle, text))
    if not all(e["code"] in ("INVALID_ARGUMENT", "DATA_LOSS") and e.get("file") for e in errs):
        fail("error lines lack a code or file:\n" + text)
    rep = json.load(open(os.path.join(out, "report.json")))
    if rep["articles"]["failed"] != len(errs) or rep["articles"]["processed"] != len(ids):
        fail("report counts: %r" % rep["articles"])


def test_slices():
    """--slice i/N for every i, then merge: the same files as one run."""
    corpus = os.path.join(TMP, "c.jsonl")
    make_corpus(corpus, 2000, extra={5: b"not json", 1999: b'{"text":""}'})
    whole = os.path.join(TMP, "whole")
    run([corpus], whole, workers=2)
    parts = []
    for i in range(3):
        part = os.path.join(TMP, "part%d" % i)
        run([corpus], part, workers=1, args=["--slice", "%d/3" % i])
        parts.append(part)
    # An incomplete set of parts is refused.
    p = subprocess.run([QALAM, "merge", parts[0], parts[1], "-o", os.path.join(TMP, "bad")],
                       stderr=subprocess.PIPE)
    if p.returncode == 0 or b"missing" not in p.stderr:
        fail("merging 2 of 3 slices was not refused")
    merged = os.path.join(TMP, "merged")
    p = subprocess.run([QALAM, "merge", *reversed(parts), "-o", merged], stderr=subprocess.PIPE)
    if p.returncode != 0:
        fail("merge failed: " + p.stderr.decode(errors="replace"))
    for name in ("results.jsonl", "errors.jsonl"):
        same_file(os.path.join(whole, name), os.path.join(merged, name), "merged " + name)
    same_report(whole, merged, "merged report differs")
    sizes = [len(lines(os.path.join(p, "results.jsonl"))) + len(lines(os.path.join(p, "errors.jsonl")))
             for p in parts]
    if sizes != [667, 667, 666]:
        fail("slice sizes %r" % sizes)


def test_duplicates():
    """The real worker fingerprints every article (RecordStats): report.json
    finds exact duplicates (same words, other spacing and punctuation) and
    near duplicates (one word changed), and its length figures are the
    articles' code points."""
    sample = [json.loads(l) for l in open(os.path.join(SRC, "examples/sample.jsonl"), encoding="utf-8")]
    base = [{"id": "u%03d" % i, "text": s["text"]} for i, s in enumerate(sample)]
    exact = {}  # duplicate id -> original id
    near = {}
    extra = []
    for i in range(5):
        o = base[i]
        d = {"id": "exact%d" % i, "text": "  " + o["text"].replace(" ", "   ") + " ..."}
        extra.append(d)
        exact[d["id"]] = o["id"]
    # The five longest other articles: one word changed in hundreds leaves
    # the 3-shingle sets ~98% alike.
    longest = sorted(range(5, len(base)), key=lambda i: -len(base[i]["text"].split(" ")))[:5]
    for i in longest:
        o = base[i]
        words = o["text"].split(" ")
        if len(words) < 300:
            fail("sample article %d is too short for a near duplicate" % i)
        words[len(words) // 2] = "كلمةمختلفة"
        d = {"id": "near%d" % i, "text": " ".join(words)}
        extra.append(d)
        near[d["id"]] = o["id"]

    def job(records, name):
        path = os.path.join(TMP, name + ".jsonl")
        with open(path, "wb") as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n")
        out = os.path.join(TMP, name)
        run([path], out, workers=2, args=["--shard-records", "23"])
        return json.load(open(os.path.join(out, "report.json")))

    before = job(base, "base")["duplicates"]
    rep = job(base + extra, "dups")
    dup = rep["duplicates"]
    if dup["fingerprinted"] != len(base) + len(extra):
        fail("fingerprinted %r of %d articles" % (dup["fingerprinted"], len(base) + len(extra)))
    if dup["exact"]["groups"] != before["exact"]["groups"] + 5:
        fail("exact groups %r, before the duplicates %r" % (dup["exact"], before["exact"]))
    if dup["near"]["groups"] != before["near"]["groups"] + 5:
        fail("near groups %r, before the duplicates %r" % (dup["near"], before["near"]))

    def together(groups, a, b):
        return any(a in g["ids"] and b in g["ids"] for g in groups)

    for d, o in exact.items():
        if not together(dup["exact"]["largest"], d, o):
            fail("%s and %s are not in one exact group: %r" % (d, o, dup["exact"]))
    for d, o in near.items():
        if not together(dup["near"]["largest"], d, o):
            fail("%s and %s are not in one near group: %r" % (d, o, dup["near"]))
        if together(dup["exact"]["largest"], d, o):
            fail("%s is a near duplicate of %s, not an exact one" % (d, o))
    chars = sorted(len(r["text"]) for r in base + extra)
    got = rep["lengths"]["chars"]
    if got["min"] != chars[0] or got["max"] != chars[-1]:
        fail("chars min/max %r, want %d/%d" % (got, chars[0], chars[-1]))


def test_credentials():
    """`qalam run --connect` with the credentials the workers demand: TLS and
    a bearer token, then mutual TLS; a wrong token fails the job at once
    with a clear UNAUTHENTICATED message (not as article errors)."""
    pki = os.path.join(TMP, "pki")
    subprocess.run(["bash", os.path.join(SRC, "tests/testing/make_certs.sh"), pki], check=True)
    pem = lambda n: os.path.join(pki, n)
    corpus = os.path.join(TMP, "c.jsonl")
    make_corpus(corpus, 300)
    annotate([corpus], os.path.join(TMP, "want.jsonl"))
    w = spawn([WORKER, "--listen", "127.0.0.1:0", "--threads", "1", "--tls-cert", pem("server.pem"),
               "--tls-key", pem("server.key"), "--auth-token-file", pem("tokens.txt")],
              stderr=subprocess.PIPE)
    target = "127.0.0.1:%d" % listening_port(w)
    out = os.path.join(TMP, "tls")
    run([corpus], out, args=["--connect", target, "--tls-ca", pem("ca.pem"),
                             "--auth-token-file", pem("token.txt"), "--shard-records", "50"])
    same_file(os.path.join(TMP, "want.jsonl"), os.path.join(out, "results.jsonl"), "TLS + token")
    # A wrong token: the job fails quickly, saying why.
    start = time.time()
    p = run([corpus], os.path.join(TMP, "wrong"), check=False,
            args=["--connect", target, "--tls-ca", pem("ca.pem"),
                  "--auth-token-file", pem("wrong-token.txt")])
    err = p.stderr.decode(errors="replace")
    if p.returncode == 0 or "UNAUTHENTICATED" not in err or "token" not in err:
        fail("a wrong token did not fail clearly (%d): %s" % (p.returncode, err[-2000:]))
    if time.time() - start > 60:
        fail("a wrong token took %.0f s to fail" % (time.time() - start))
    # Mutual TLS: a client certificate signed by the CA the worker trusts.
    m = spawn([WORKER, "--listen", "127.0.0.1:0", "--threads", "1", "--tls-cert", pem("server.pem"),
               "--tls-key", pem("server.key"), "--tls-client-ca", pem("ca.pem")],
              stderr=subprocess.PIPE)
    target = "127.0.0.1:%d" % listening_port(m)
    out = os.path.join(TMP, "mtls")
    run([corpus], out, args=["--connect", target, "--tls-ca", pem("ca.pem"), "--tls-cert",
                             pem("client.pem"), "--tls-key", pem("client.key")])
    same_file(os.path.join(TMP, "want.jsonl"), os.path.join(out, "results.jsonl"), "mutual TLS")
    # TLS flags without --connect are refused (local workers use unix sockets).
    p = run([corpus], os.path.join(TMP, "local"), check=False, args=["--tls-ca", pem("ca.pem")])
    if p.returncode != 2 or b"--connect" not in p.stderr:
        fail("--tls-ca without --connect was not refused: %r" % p.stderr[-500:])


def test_dns():
    """--connect dns:///name:port: every address the name resolves to is a
    worker (localhost: 127.0.0.1, and ::1 where it is listed, which nobody
    serves here and so fails its health check and gets no work)."""
    corpus = os.path.join(TMP, "c.jsonl")
    make_corpus(corpus, 600)
    annotate([corpus], os.path.join(TMP, "want.jsonl"))
    w = spawn([WORKER, "--listen", "127.0.0.1:0", "--threads", "1"], stderr=subprocess.PIPE)
    port = listening_port(w)
    out = os.path.join(TMP, "out")
    run([corpus], out, args=["--connect", "dns:///localhost:%d" % port, "--shard-records", "50"])
    # The one worker there is did the work.
    same_file(os.path.join(TMP, "want.jsonl"), os.path.join(out, "results.jsonl"), "dns target")


def test_progress():
    """Plain progress lines on a stderr that is not a terminal; none with
    --quiet."""
    corpus = os.path.join(TMP, "c.jsonl")
    make_corpus(corpus, 400)
    args = ["--shard-records", "20", "--progress-seconds", "0.1"]
    p = run([corpus], os.path.join(TMP, "o1"), workers=1, args=args, worker_args=["--slow-ms=30"],
            worker=TEST_WORKER)
    err = p.stderr.decode()
    if "qalam run: " not in err or " articles, " not in err or "workers 1/1" not in err:
        fail("no progress lines: " + err)
    # On a terminal: a bar redrawn in place.
    import pty
    master, slave = pty.openpty()
    t = subprocess.Popen([QALAM, "run", corpus, "-o", os.path.join(TMP, "o3"), "--workers", "1",
                          "--worker-binary", TEST_WORKER, "--worker-arg=--slow-ms=30",
                          "--shard-records", "20"], stdout=subprocess.DEVNULL, stderr=slave)
    PROCS.append(t)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    t.wait(timeout=WAIT_LIMIT)
    os.close(master)
    if t.returncode != 0 or b"\r\x1b[K[" not in seen or b"ETA" not in seen:
        fail("no progress bar on a terminal: %r" % seen[-500:])
    cmd = [QALAM, "run", corpus, "-o", os.path.join(TMP, "o2"), "--workers", "1", "--quiet",
           "--worker-binary", TEST_WORKER, "--worker-arg=--slow-ms=30", *args]
    q = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if q.returncode != 0 or b"articles, " in q.stderr:
        fail("--quiet printed progress: %r" % q.stderr[-500:])


def test_no_workers():
    """No worker reachable: a clear message and a non-zero exit."""
    corpus = os.path.join(TMP, "c.jsonl")
    make_corpus(corpus, 10)
    p = subprocess.run([QALAM, "run", corpus, "-o", os.path.join(TMP, "o"), "--quiet",
                        "--worker-binary", os.path.join(TMP, "nope")], stderr=subprocess.PIPE)
    if p.returncode == 0 or b"not found" not in p.stderr:
        fail("missing worker binary: %r" % p.stderr)
    p = subprocess.run([QALAM, "run", "--help"], stdout=subprocess.PIPE)
    if p.returncode != 0 or b"--connect" not in p.stdout or b"--slice" not in p.stdout:
        fail("run --help")
    # --shard-bytes: 0 (the default) sizes shards from the input; negative or
    # not a number is a usage error, before any worker starts.
    for bad in ("-1", "abc"):
        p = subprocess.run([QALAM, "run", corpus, "-o", os.path.join(TMP, "o"), "--quiet",
                            "--shard-bytes", bad], stderr=subprocess.PIPE)
        if p.returncode != 2 or b"--shard-bytes" not in p.stderr:
            fail("--shard-bytes %s: %r" % (bad, p.stderr))


def main():
    try:
        globals()["test_" + CASE]()
        print("PASS " + CASE)
        return 0
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
        if os.environ.get("QALAM_KEEP_TMP") is None:
            shutil.rmtree(TMP, ignore_errors=True)
        else:
            print("kept " + TMP)


if __name__ == "__main__":
    sys.exit(main())
