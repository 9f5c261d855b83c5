#!/usr/bin/python3
"""Multi-host tests of `qalam run` without a container engine: every worker
and every coordinator is a "host" of its own, a Linux network namespace with
its own address on a bridge (tests/cluster/netns.py), and they talk over
real TCP.

    cluster_test.py --qalam Q --worker W --source-dir S [--articles N] CASE

CASE:
  faults  3 worker hosts and a coordinator host; mid-run one worker's cable
          is pulled and another worker is SIGKILLed; the job completes with
          every article exactly once, byte-identical to `qalam annotate`.
  dns     the coordinator finds the workers through DNS (dnsmasq on a host of
          its own, several A records for one name, a search domain as in a
          Kubernetes pod): `--connect dns:///workers:50051`; every worker gets
          work (per-worker counts from the workers' logs).
  slices  an Indexed-Job-like run: three coordinator hosts run
          `qalam run --slice i/3` at once against the DNS name, writing their
          parts to one shared folder; `qalam merge` gives the files one whole
          run gives (results, errors, and the report but for its timing).

Exit status 77 (ctest: skipped) with a message when the machine cannot run
it: not root, no network namespaces, no dnsmasq.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from netns import Network, Skip, wait_for  # noqa: E402

SKIP = 77
PORT = 50051
ARGS = None
TMP = None


def fail(msg):
    raise AssertionError(msg)


def log(msg):
    print("cluster_test: " + msg, flush=True)


def make_corpus(path, n, bad=()):
    """n articles cycled from examples/sample.jsonl, each with a unique id
    and a marker so that they are not exact duplicates; `bad` positions get
    a broken record instead."""
    src = os.path.join(ARGS.source_dir, "examples/sample.jsonl")
    sample = [json.loads(l) for l in open(src, encoding="utf-8")]
    with open(path, "wb") as f:
        for i in range(n):
            if i in bad:
                f.write(b'{"id":"broken-%d","text":\n' % i)
                continue
            s = sample[i % len(sample)]
            rec = {"id": "n%05d" % i, "title": s["title"],
                   "text": s["text"] + (" نسخة %d" % (i // len(sample)))}
            f.write(json.dumps(rec, ensure_ascii=False).encode() + b"\n")


def annotate_bg(corpus, out):
    """The single-process reference, in the background while the network
    comes up."""
    return subprocess.Popen([ARGS.qalam, "annotate", corpus], stdout=open(out, "wb"),
                            stderr=subprocess.DEVNULL)


def finish(p, what):
    if p.wait(timeout=600) != 0:
        fail(what + " failed")


def same_bytes(a, b, what):
    x, y = open(a, "rb").read(), open(b, "rb").read()
    if x != y:
        xl, yl = x.splitlines(), y.splitlines()
        first = next((i for i in range(min(len(xl), len(yl))) if xl[i] != yl[i]), min(len(xl), len(yl)))
        fail("%s: %s (%d lines) and %s (%d lines) differ, first at line %d" %
             (what, a, len(xl), b, len(yl), first + 1))


def start_workers(net, names, threads=1):
    procs, logs = {}, {}
    for w in names:
        logs[w] = os.path.join(TMP, w + ".log")
        procs[w] = net.spawn(w, [ARGS.worker, "--listen", "0.0.0.0:%d" % PORT, "--threads", str(threads),
                                 "--grace-seconds", "5", "--verbose"], log=logs[w])
    return procs, logs


def wait_healthy(net, from_host, workers):
    """`qalam health` from another host, over the network, for each worker."""
    for w in workers:
        addr = "%s:%d" % (net.addr(w), PORT)

        def ok():
            p = net.run(from_host, [ARGS.qalam, "health", "--timeout", "2", addr, "qalam.v1.Worker"])
            return p.returncode == 0 and b"SERVING" in p.stdout
        wait_for(ok, "worker %s to be SERVING" % addr, limit=120, step=0.2)


SHARD_RE = re.compile(rb"ProcessBatch shard (\d+): (?:(\d+) records started|(.*))$")


def worker_shards(path):
    """From a worker's --verbose log: (records of shards that finished OK,
    ids of shards started but not finished)."""
    started, done, ok_records = {}, set(), 0
    try:
        data = open(path, "rb").read()
    except OSError:
        return 0, set()
    for line in data.splitlines():
        m = SHARD_RE.search(line)
        if not m:
            continue
        shard = int(m.group(1))
        if m.group(2) is not None:
            started[shard] = int(m.group(2))
        else:
            done.add(shard)
            if m.group(3).strip() == b"OK":
                ok_records += started.get(shard, 0)
    return ok_records, set(started) - done


def check_run_output(out, want, n, what):
    same_bytes(want, os.path.join(out, "results.jsonl"), what + ": results.jsonl vs qalam annotate")
    ids = [json.loads(l)["id"] for l in open(os.path.join(out, "results.jsonl"), "rb")]
    if len(ids) != n or len(set(ids)) != n:
        fail("%s: %d result lines, %d distinct ids, want %d" % (what, len(ids), len(set(ids)), n))
    if os.path.getsize(os.path.join(out, "errors.jsonl")) != 0:
        fail(what + ": errors: " + open(os.path.join(out, "errors.jsonl")).read()[:2000])
    rep = json.load(open(os.path.join(out, "report.json")))
    if rep["articles"]["processed"] != n or rep["articles"]["failed"] != 0:
        fail("%s: report counts %r" % (what, rep["articles"]))


# ---------------------------------------------------------------------------


def case_faults():
    # A one-thread worker does about 3,000 of these articles a second here,
    # so a few thousand would be done before the faults land.
    n = ARGS.articles or 12000
    corpus, want = os.path.join(TMP, "corpus.jsonl"), os.path.join(TMP, "want.jsonl")
    make_corpus(corpus, n)
    ref = annotate_bg(corpus, want)
    workers = ["w1", "w2", "w3"]
    net = Network("f", {"coord": 10, "w1": 11, "w2": 12, "w3": 13})
    try:
        net.up()
        procs, logs = start_workers(net, workers)
        wait_healthy(net, "coord", workers)
        finish(ref, "qalam annotate")
        out = os.path.join(TMP, "out")
        targets = ",".join("%s:%d" % (net.addr(w), PORT) for w in workers)
        t0 = time.time()
        # Small shards so that each worker has calls in flight all along; a
        # call lost with the cable ends at its deadline (--call-timeout).
        run = net.spawn("coord", [ARGS.qalam, "run", corpus, "-o", out, "--connect", targets,
                                  "--shard-records", "20", "--call-timeout", str(ARGS.call_timeout),
                                  "--progress-seconds", "1"],
                        stdout=subprocess.DEVNULL, stderr=open(os.path.join(TMP, "run.err"), "wb"))

        def mid_run():
            if run.poll() is not None:
                fail("the job ended (%d) before the faults (corpus too small for this machine?)"
                     % run.returncode)
            counts = {w: worker_shards(logs[w]) for w in workers}
            done = sum(c[0] for c in counts.values())
            # A sixth of the way, with a shard running on w1 at that moment.
            return counts if done >= n // 6 and counts["w1"][1] else None
        wait_for(mid_run, "a sixth of the articles to be processed", limit=300, step=0.01)
        net.cut("w1")
        procs["w2"].send_signal(signal.SIGKILL)
        t_fault = time.time() - t0
        counts = {w: worker_shards(logs[w]) for w in workers}
        if run.poll() is not None:
            fail("the job ended before the faults (corpus too small for this machine)")
        log("after %.1f s: cut w1's cable (shards %s in flight there), SIGKILLed w2; records done "
            "so far: %s" % (t_fault, sorted(counts["w1"][1]),
                            {w: c[0] for w, c in counts.items()}))
        rc = run.wait(timeout=600)
        elapsed = time.time() - t0
        err = open(os.path.join(TMP, "run.err"), "rb").read().decode(errors="replace")
        if rc != 0:
            fail("qalam run failed (%d):\n%s" % (rc, err[-3000:]))
        check_run_output(out, want, n, "faults")
        retried = re.search(r"; (\d+) shard retries, (\d+) poison", err)
        if not retried or int(retried.group(1)) == 0:
            fail("no shard was retried, so no fault hit a call in flight:\n" + err[-2000:])
        if int(retried.group(2)) != 0:
            fail("articles were isolated as poison:\n" + err[-2000:])
        final = {w: worker_shards(logs[w])[0] for w in workers}
        log("job done in %.1f s: %d articles, each once, identical to qalam annotate; %s shard "
            "retries; records processed per worker (w1 and w2 include work whose answer was lost): %s"
            % (elapsed, n, retried.group(1), final))
        if final["w3"] <= counts["w3"][0]:
            fail("w3 did no work after the faults")
        if procs["w1"].poll() is not None:
            fail("w1 died; only its cable was to be cut")
    finally:
        net.down()


def dns_network(tag, extra_hosts):
    hosts = {"dns": 53, "w1": 11, "w2": 12, "w3": 13}
    hosts.update(extra_hosts)
    return Network(tag, hosts)


def start_dns(net, clients):
    """dnsmasq on the "dns" host: workers.qalam.test has one A record per
    worker; the clients' resolv.conf points there with the search domain
    qalam.test, so `workers` resolves as a Service name does in a pod."""
    dnsmasq = shutil.which("dnsmasq") or ("/usr/sbin/dnsmasq" if os.path.exists("/usr/sbin/dnsmasq") else None)
    if dnsmasq is None:
        raise Skip("needs dnsmasq (Debian: dnsmasq-base)")
    hosts_file = os.path.join(TMP, "dns.hosts")
    with open(hosts_file, "w") as f:
        for w in ("w1", "w2", "w3"):
            f.write("%s workers.qalam.test\n" % net.addr(w))
    qlog = os.path.join(TMP, "dnsmasq.log")
    net.spawn("dns", [dnsmasq, "--keep-in-foreground", "--no-daemon", "--conf-file=/dev/null",
                      "--no-hosts", "--addn-hosts=" + hosts_file, "--no-resolv", "--bind-interfaces",
                      "--listen-address=" + net.addr("dns"), "--port=53", "--user=root",
                      "--pid-file=", "--log-queries", "--log-facility=" + qlog, "--local-ttl=1"],
              log=os.path.join(TMP, "dnsmasq.out"))
    for c in clients:
        net.etc(c, "resolv.conf", "nameserver %s\nsearch qalam.test\noptions timeout:1 attempts:2\n"
                % net.addr("dns"))

    def resolves():
        p = net.run(clients[0], ["getent", "ahostsv4", "workers"])
        got = sorted({l.split()[0] for l in p.stdout.decode().splitlines() if l.strip()})
        return got if got == sorted(net.addr(w) for w in ("w1", "w2", "w3")) else None
    addrs = wait_for(resolves, "dnsmasq to answer for workers.qalam.test", limit=30, step=0.1)
    log("workers.qalam.test -> %s (glibc getaddrinfo in the coordinator host, through dnsmasq)" % addrs)
    return qlog


def case_dns():
    n = ARGS.articles or 1200
    corpus, want = os.path.join(TMP, "corpus.jsonl"), os.path.join(TMP, "want.jsonl")
    make_corpus(corpus, n)
    ref = annotate_bg(corpus, want)
    net = dns_network("d", {"coord": 10})
    try:
        net.up()
        qlog = start_dns(net, ["coord"])
        workers = ["w1", "w2", "w3"]
        procs, logs = start_workers(net, workers)
        wait_healthy(net, "coord", workers)
        finish(ref, "qalam annotate")
        out = os.path.join(TMP, "out")
        t0 = time.time()
        p = net.run("coord", [ARGS.qalam, "run", corpus, "-o", out, "--connect",
                              "dns:///workers:%d" % PORT, "--shard-records", "20"], timeout=600)
        if p.returncode != 0:
            fail("qalam run failed:\n" + p.stderr.decode(errors="replace")[-3000:])
        check_run_output(out, want, n, "dns")
        counts = {w: worker_shards(logs[w])[0] for w in workers}
        log("job of %d articles in %.1f s through dns:///workers:%d; records processed per worker: %s"
            % (n, time.time() - t0, PORT, counts))
        if min(counts.values()) == 0:
            fail("a worker listed in DNS got no work: %r" % counts)
        if sum(counts.values()) < n:
            fail("the workers processed %d records, fewer than %d" % (sum(counts.values()), n))
        queries = open(qlog, errors="replace").read()
        if not re.search(r"query\[A\] workers\.qalam\.test from %s" % re.escape(net.addr("coord")), queries):
            fail("dnsmasq saw no query for workers.qalam.test from the coordinator:\n" + queries[-2000:])
    finally:
        net.down()


def case_slices():
    n = ARGS.articles or 1500
    bad = {7, n - 1}
    corpus, want = os.path.join(TMP, "corpus.jsonl"), os.path.join(TMP, "want.jsonl")
    make_corpus(corpus, n, bad=bad)
    ref = annotate_bg(corpus, want)
    k = 3
    net = dns_network("s", {"j%d" % i: 20 + i for i in range(k)})
    try:
        net.up()
        start_dns(net, ["j%d" % i for i in range(k)])
        workers = ["w1", "w2", "w3"]
        procs, logs = start_workers(net, workers)
        wait_healthy(net, "j0", workers)
        finish(ref, "qalam annotate")
        shared = os.path.join(TMP, "pvc")  # what every pod mounts
        os.makedirs(shared)
        target = "dns:///workers:%d" % PORT
        t0 = time.time()
        # Pod i of the Indexed Job: slice i/k, its part in the shared volume.
        runs = [net.spawn("j%d" % i, [ARGS.qalam, "run", corpus, "-o", os.path.join(shared, "part-%d" % i),
                                      "--connect", target, "--slice", "%d/%d" % (i, k), "--quiet",
                                      "--shard-records", "20"],
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(TMP, "j%d.err" % i), "wb"))
                for i in range(k)]
        for i, r in enumerate(runs):
            if r.wait(timeout=600) != 0:
                fail("slice %d/%d failed:\n%s" % (i, k, open(os.path.join(TMP, "j%d.err" % i)).read()[-3000:]))
        t_slices = time.time() - t0
        merged = os.path.join(shared, "merged")
        p = net.run("j0", [ARGS.qalam, "merge", *[os.path.join(shared, "part-%d" % i) for i in range(k)],
                           "-o", merged])
        if p.returncode != 0:
            fail("qalam merge failed: " + p.stderr.decode(errors="replace"))
        # One whole run over the same workers, for comparison.
        whole = os.path.join(TMP, "whole")
        p = net.run("j1", [ARGS.qalam, "run", corpus, "-o", whole, "--connect", target, "--quiet",
                           "--shard-records", "20"], timeout=600)
        if p.returncode != 0:
            fail("whole run failed:\n" + p.stderr.decode(errors="replace")[-3000:])
        for name in ("results.jsonl", "errors.jsonl"):
            same_bytes(os.path.join(whole, name), os.path.join(merged, name), "merged " + name)
        same_bytes(want, os.path.join(merged, "results.jsonl"), "merged results vs qalam annotate")
        a = json.load(open(os.path.join(whole, "report.json")))
        b = json.load(open(os.path.join(merged, "report.json")))
        a.pop("timing", None)
        b.pop("timing", None)
        if a != b:
            fail("merged report.json differs from the whole run's:\n%s\n%s" %
                 (json.dumps(a, sort_keys=True)[:3000], json.dumps(b, sort_keys=True)[:3000]))
        errs = open(os.path.join(merged, "errors.jsonl")).read().splitlines()
        if len(errs) != len(bad):
            fail("want %d error lines, got %d" % (len(bad), len(errs)))
        sizes = [sum(1 for _ in open(os.path.join(shared, "part-%d" % i, f), "rb"))
                 for i in range(k) for f in ("results.jsonl", "errors.jsonl")]
        per_part = [sizes[2 * i] + sizes[2 * i + 1] for i in range(k)]
        if sum(per_part) != n or max(per_part) - min(per_part) > 1:
            fail("slice sizes %r for %d articles" % (per_part, n))
        counts = {w: worker_shards(logs[w])[0] for w in workers}
        log("%d slices from 3 hosts at once in %.1f s (%r articles each), merged == whole run "
            "(results, errors, report but timing) == qalam annotate; records per worker: %s"
            % (k, t_slices, per_part, counts))
        if min(counts.values()) == 0:
            fail("a worker got no work: %r" % counts)
    finally:
        net.down()


def main():
    global ARGS, TMP
    ap = argparse.ArgumentParser()
    ap.add_argument("--qalam", required=True)
    ap.add_argument("--worker", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--articles", type=int, default=0, help="corpus size (default: per case)")
    ap.add_argument("--call-timeout", type=float, default=5)
    ap.add_argument("case", choices=["faults", "dns", "slices"])
    ARGS = ap.parse_args()
    # ctest's timeout sends SIGTERM... or SIGKILL; on SIGTERM clean up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    TMP = tempfile.mkdtemp(prefix="qalam-cluster-")
    t0 = time.time()
    try:
        globals()["case_" + ARGS.case]()
    except Skip as e:
        print("SKIPPED %s: %s" % (ARGS.case, e), flush=True)
        return SKIP
    finally:
        if os.environ.get("QALAM_KEEP_TMP"):
            print("kept " + TMP)
        else:
            shutil.rmtree(TMP, ignore_errors=True)
    print("PASS %s (%.1f s)" % (ARGS.case, time.time() - t0), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
