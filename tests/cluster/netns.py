"""Hosts as Linux network namespaces: a test's own small network, with no
container engine.

    net = Network("faults", {"coord": 10, "w1": 11, "w2": 12})
    net.up()                        # needs root; raises Skip when it cannot
    p = net.spawn("w1", [WORKER, "--listen", "0.0.0.0:50051"], log="w1.log")
    net.cut("w1")                   # the host's cable is pulled
    net.down()                      # always, in a finally

Topology: a "switch" namespace holding a bridge, and one namespace per host
with an eth0 (a veth pair whose other end is a port of the bridge) at
10.77.0.OCTET/24. Nothing is created in the root namespace, so concurrent
tests (and concurrent runs of the suite) never collide, whatever subnet they
use. Namespace names carry the test's process id; namespaces left behind by
a test that was killed (its pid gone) are removed by the next one.

Every process started here gets SIGKILL when the test process dies
(PR_SET_PDEATHSIG, kept across `ip netns exec`'s exec), and down() kills
them all, then deletes the namespaces and their /etc/netns files.
"""
import ctypes
import os
import re
import shutil
import signal
import subprocess
import time

SUBNET = "10.77.0"
PREFIX = "qalamt"  # namespace names: qalamt<pid>-<tag>-<host>


class Skip(Exception):
    """The machine cannot run this test (not root, no netns, no tool)."""


def _die_with_parent():
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def sh(*args, check=True):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), p.stderr.decode(errors="replace").strip()))
    return p


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def sweep_stale():
    """Removes namespaces (and /etc/netns dirs) of test processes that died."""
    p = subprocess.run(["ip", "netns", "list"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    names = [l.split()[0] for l in p.stdout.decode().splitlines() if l.strip()]
    if os.path.isdir("/etc/netns"):
        names += os.listdir("/etc/netns")
    for name in set(names):
        m = re.match(PREFIX + r"(\d+)-", name)
        if m and not _alive(int(m.group(1))):
            for pid in _pids_in(name):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL)
            shutil.rmtree("/etc/netns/" + name, ignore_errors=True)


def _pids_in(ns):
    p = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return [int(x) for x in p.stdout.split()]


def require_root_and_netns():
    if os.geteuid() != 0:
        raise Skip("needs root (network namespaces); CI runs as root")
    if shutil.which("ip") is None:
        raise Skip("needs `ip` (iproute2)")
    probe = "%s%d-probe" % (PREFIX, os.getpid())
    p = subprocess.run(["ip", "netns", "add", probe], stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise Skip("cannot create a network namespace: " + p.stderr.decode(errors="replace").strip())
    subprocess.run(["ip", "netns", "del", probe])


class Network:
    def __init__(self, tag, hosts):
        """hosts: name -> last octet of its address in 10.77.0.0/24."""
        self.base = "%s%d-%s" % (PREFIX, os.getpid(), tag)
        self.hosts = dict(hosts)
        self.switch = self.base + "-sw"
        self.procs = []
        self.created = []
        self.etc_dirs = []

    def ns(self, host):
        return "%s-%s" % (self.base, host)

    def addr(self, host):
        return "%s.%d" % (SUBNET, self.hosts[host])

    def up(self):
        require_root_and_netns()
        sweep_stale()
        self._add_ns(self.switch)
        sh("ip", "-n", self.switch, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.switch, "link", "set", "br0", "up")
        for host in self.hosts:
            ns = self.ns(host)
            self._add_ns(ns)
            # eth0 in the host, its peer port "p-HOST" in the switch.
            sh("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name",
               self.port(host), "netns", self.switch)
            sh("ip", "-n", self.switch, "link", "set", self.port(host), "master", "br0", "up")
            sh("ip", "-n", ns, "addr", "add", self.addr(host) + "/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
        return self

    def port(self, host):
        return ("p-" + host)[:15]

    def _add_ns(self, ns):
        sh("ip", "netns", "add", ns)
        self.created.append(ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")

    def etc(self, host, name, text):
        """A file that `ip netns exec` bind-mounts over /etc/NAME in the host
        (resolv.conf, hosts)."""
        d = "/etc/netns/" + self.ns(host)
        os.makedirs(d, exist_ok=True)
        if d not in self.etc_dirs:
            self.etc_dirs.append(d)
        with open(os.path.join(d, name), "w") as f:
            f.write(text)

    def spawn(self, host, args, log=None, **kw):
        """Starts `args` in `host`'s namespace; stdout and stderr go to `log`
        (a path) unless given in kw."""
        if log is not None:
            f = open(log, "wb")
            kw.setdefault("stdout", f)
            kw.setdefault("stderr", subprocess.STDOUT)
        p = subprocess.Popen(["ip", "netns", "exec", self.ns(host), *args],
                             preexec_fn=_die_with_parent, **kw)
        self.procs.append(p)
        return p

    def run(self, host, args, timeout=300, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        p = self.spawn(host, args, **kw)
        out, err = p.communicate(timeout=timeout)
        return subprocess.CompletedProcess(p.args, p.returncode, out, err)

    def cut(self, host):
        """Pulls the host's cable: its switch port goes down; packets to and
        from it are dropped, nobody is told (no RST, no ICMP)."""
        sh("ip", "-n", self.switch, "link", "set", self.port(host), "down")

    def mend(self, host):
        sh("ip", "-n", self.switch, "link", "set", self.port(host), "up")

    def down(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for ns in reversed(self.created):
            for pid in _pids_in(ns):  # e.g. a daemon that forked
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        for d in self.etc_dirs:
            shutil.rmtree(d, ignore_errors=True)
        self.created = []


def wait_for(cond, what, limit=120, step=0.02):
    deadline = time.time() + limit
    while True:
        v = cond()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out after %d s waiting for %s" % (limit, what))
        time.sleep(step)
