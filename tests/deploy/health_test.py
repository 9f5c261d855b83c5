#!/usr/bin/python3
"""`qalam health ADDR [SERVICE]` against real servers: the statuses and exit
codes that compose health checks and Kubernetes exec probes rely on.

    health_test.py --qalam Q --worker W --coordinator C --test-worker T --source-dir S
"""
import argparse
import atexit
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

A = None
TMP = tempfile.mkdtemp(prefix="qalam-health-")
PROCS = []
FAILURES = []


def _die_with_parent():
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


@atexit.register
def _cleanup():
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(TMP, ignore_errors=True)


def start(args):
    """Starts a server on 127.0.0.1:0 (or the address in args) and returns
    (process, "127.0.0.1:PORT") from its "listening on" line."""
    log = os.path.join(TMP, "srv%d.log" % len(PROCS))
    p = subprocess.Popen(args, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                         preexec_fn=_die_with_parent)
    PROCS.append(p)
    deadline = time.time() + 60
    while time.time() < deadline:
        text = open(log, errors="replace").read()
        for line in text.splitlines():
            # qalam-coordinator: "... (port N) ..."; the test worker:
            # "listening on ADDR port N"; qalam-worker: "listening on ADDR".
            m = re.search(r"\(port (\d+)\)|listening on \S+ port (\d+)$", line)
            if m:
                return p, "127.0.0.1:" + (m.group(1) or m.group(2))
            if "listening on " in line:
                return p, line.rsplit("listening on ", 1)[1].strip()
        if p.poll() is not None:
            raise AssertionError("%s exited: %s" % (args[0], text))
        time.sleep(0.02)
    raise AssertionError("%s did not start: %s" % (args[0], open(log).read()))


def health(*args, timeout=None):
    cmd = [A.qalam, "health", *args]
    t0 = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout.decode().strip(), p.stderr.decode().strip(), time.time() - t0


def expect(args, rc, out=None, err=None, what=""):
    got = health(*args)
    ok = got[0] == rc and (out is None or out in got[1]) and (err is None or err in got[2])
    print("%-4s qalam health %s -> %d %r %r (%.2f s)  %s" %
          ("ok" if ok else "FAIL", " ".join(args), got[0], got[1], got[2][:120], got[3], what), flush=True)
    if not ok:
        FAILURES.append("qalam health %s: want %d %r %r, got %r" % (" ".join(args), rc, out, err, got[:3]))
    return got


def main():
    global A
    ap = argparse.ArgumentParser()
    for f in ("qalam", "worker", "coordinator", "test_worker", "source_dir"):
        ap.add_argument("--" + f.replace("_", "-"), required=True)
    A = ap.parse_args()

    # The real worker: the three names it reports, an unknown one.
    w, addr = start([A.worker, "--listen", "127.0.0.1:0", "--threads", "1"])
    expect([addr], 0, addr + ": SERVING", what="the server as a whole")
    expect([addr, "qalam.v1.Worker"], 0, "qalam.v1.Worker: SERVING")
    expect([addr, "qalam.v1.Annotator"], 0, "qalam.v1.Annotator: SERVING")
    expect([addr, "qalam.v1.Nope"], 1, "SERVICE_UNKNOWN")
    expect(["--quiet", addr, "qalam.v1.Worker"], 0)
    # A worker on a unix socket.
    sock = os.path.join(TMP, "w.sock")
    start([A.worker, "--listen", "unix:" + sock, "--threads", "1"])
    expect(["unix:" + sock, "qalam.v1.Worker"], 0, "SERVING")

    # NOT_SERVING: the test worker reports it while a file exists.
    flag = os.path.join(TMP, "unhealthy")
    open(flag, "w").close()
    t, taddr = start([A.test_worker, "--listen", "127.0.0.1:0", "--unhealthy-file", flag])
    expect([taddr], 1, "NOT_SERVING", what="unhealthy test worker")
    os.unlink(flag)
    deadline = time.time() + 30
    while health(taddr)[0] != 0 and time.time() < deadline:
        time.sleep(0.1)
    expect([taddr], 0, "SERVING", what="after it recovers")

    # No answer: nothing listens (exit 3 by the deadline, not later).
    w.send_signal(signal.SIGTERM)
    w.wait(timeout=60)
    got = expect(["--timeout", "1", addr], 3, err="no answer")
    if got[3] > 10:
        FAILURES.append("--timeout 1 took %.1f s" % got[3])

    # Usage errors.
    expect([], 2, err="expected ADDR")
    expect(["a:1", "b", "c"], 2, err="expected ADDR")
    expect(["--timeout", "0", "a:1"], 2, err="--timeout")
    expect(["--bogus", "a:1"], 2)
    p = subprocess.run([A.qalam, "health", "--help"], stdout=subprocess.PIPE)
    if p.returncode != 0 or b"qalam health ADDR [SERVICE]" not in p.stdout:
        FAILURES.append("qalam health --help")
    p = subprocess.run([A.qalam, "--help"], stdout=subprocess.PIPE)
    if b"health" not in p.stdout:
        FAILURES.append("qalam --help does not list health")

    # TLS with a bearer token on the worker: health needs no token, but TLS.
    certs = os.path.join(TMP, "certs")
    subprocess.run(["bash", os.path.join(A.source_dir, "tests/testing/make_certs.sh"), certs], check=True)
    c = lambda n: os.path.join(certs, n)
    _, taddr = start([A.worker, "--listen", "127.0.0.1:0", "--threads", "1", "--tls-cert", c("server.pem"),
                      "--tls-key", c("server.key"), "--auth-token-file", c("tokens.txt")])
    expect(["--timeout", "2", taddr, "qalam.v1.Worker"], 3, what="plaintext to a TLS server")
    expect(["--tls-ca", c("ca.pem"), taddr, "qalam.v1.Worker"], 0, "SERVING", what="TLS, no token")
    expect(["--tls-ca", c("ca.pem"), "--tls-server-name", "localhost", taddr, "qalam.v1.Worker"], 0, "SERVING")
    expect(["--timeout", "2", "--tls-ca", c("ca.pem"), "--tls-server-name", "qalam-worker.example", taddr], 3,
           what="certificate does not name the server")
    expect(["--timeout", "2", "--tls-ca", c("rogue-ca.pem"), taddr], 3, what="untrusted CA")
    # Mutual TLS: health needs the client certificate too.
    _, maddr = start([A.worker, "--listen", "127.0.0.1:0", "--threads", "1", "--tls-cert", c("server.pem"),
                      "--tls-key", c("server.key"), "--tls-client-ca", c("ca.pem")])
    expect(["--timeout", "2", "--tls-ca", c("ca.pem"), maddr], 3, what="mTLS without a client certificate")
    expect(["--tls-ca", c("ca.pem"), "--tls-cert", c("client.pem"), "--tls-key", c("client.key"), maddr], 0,
           "SERVING", what="mTLS")

    # The coordinator's service name.
    _, caddr = start([A.coordinator, "--listen", "127.0.0.1:0", "--workers", "unix:" + sock])
    expect([caddr, "qalam.v1.Coordinator"], 0, "qalam.v1.Coordinator: SERVING")
    expect([caddr, "qalam.v1.Worker"], 1, "SERVICE_UNKNOWN")

    if FAILURES:
        print("\n".join(["FAILED:"] + FAILURES))
        return 1
    print("PASS health")
    return 0


if __name__ == "__main__":
    sys.exit(main())
