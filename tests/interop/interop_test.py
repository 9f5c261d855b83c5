#!/usr/bin/python3
"""Interoperability and security tests for qalam-worker, from Python.

A Python client generated at test time from our .proto files (protoc
--python_out and grpc_python_plugin) calls a real qalam-worker process and
checks what it says against `qalam annotate` on the same text. Then hostile
requests, TLS, mutual TLS and bearer tokens, with a PKI made by openssl.

Runs with Debian's /usr/bin/python3 (python3-grpcio, python3-protobuf); the
health and reflection stubs come from .proto files in tests/testing/protos,
because Debian packages neither grpc_health nor grpc_reflection.

  interop_test.py --worker BIN --qalam BIN --protoc BIN --grpc-python-plugin BIN
                  --source-dir DIR --work-dir DIR [unittest arguments, e.g. a class name]
"""
import argparse
import atexit
import ctypes
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import unittest

import grpc

ARGS = None
pb = {}  # generated modules, by short name
_started = []  # every Worker, killed at exit whatever happens


def _die_with_parent():
    # In the child, before exec: SIGKILL when the test process dies (even if
    # ctest kills it on a timeout), so no worker outlives its test.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@atexit.register
def _kill_all():
    for w in _started:
        w.kill()


def generate_stubs(work_dir):
    """Generates the Python stubs into work_dir/gen and imports them."""
    gen = os.path.join(work_dir, "gen")
    shutil.rmtree(gen, ignore_errors=True)
    os.makedirs(gen)
    protos_dir = os.path.join(ARGS.source_dir, "protos")
    # The standard protos go under a private directory name: a generated
    # "grpc/" package would clash with the installed grpc package.
    std_dir = os.path.join(work_dir, "std_protos")
    shutil.rmtree(std_dir, ignore_errors=True)
    os.makedirs(os.path.join(std_dir, "qalam_std"))
    testing = os.path.join(ARGS.source_dir, "tests", "testing", "protos", "grpc")
    shutil.copy(os.path.join(testing, "health", "v1", "health.proto"),
                os.path.join(std_dir, "qalam_std", "health.proto"))
    shutil.copy(os.path.join(testing, "reflection", "v1alpha", "reflection.proto"),
                os.path.join(std_dir, "qalam_std", "reflection.proto"))
    cmd = [ARGS.protoc, "-I", protos_dir, "-I", std_dir,
           "--python_out=" + gen, "--grpc_python_out=" + gen,
           "--plugin=protoc-gen-grpc_python=" + ARGS.grpc_python_plugin,
           "qalam/v1/document.proto", "qalam/v1/annotator.proto", "qalam/v1/worker.proto",
           "qalam_std/health.proto", "qalam_std/reflection.proto"]
    subprocess.run(cmd, check=True)
    sys.path.insert(0, gen)
    from qalam.v1 import annotator_pb2, annotator_pb2_grpc, document_pb2, worker_pb2
    from qalam.v1 import worker_pb2_grpc
    from qalam_std import health_pb2, health_pb2_grpc, reflection_pb2, reflection_pb2_grpc
    pb.update(annotator=annotator_pb2, annotator_grpc=annotator_pb2_grpc,
              document=document_pb2, worker=worker_pb2, worker_grpc=worker_pb2_grpc,
              health=health_pb2, health_grpc=health_pb2_grpc,
              reflection=reflection_pb2, reflection_grpc=reflection_pb2_grpc)


class Worker:
    """A qalam-worker child process on 127.0.0.1:0; finds its address."""

    def __init__(self, *flags):
        self.lines = []
        self.proc = subprocess.Popen(
            [ARGS.worker, "--listen", "127.0.0.1:0", "--threads", "2", *flags],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_die_with_parent)
        _started.append(self)
        found = queue.Queue()

        def drain():
            for raw in self.proc.stderr:
                line = raw.decode("utf-8", "replace")
                self.lines.append(line)
                if "listening on " in line:
                    found.put(line.split("listening on ", 1)[1].strip())
            found.put(None)

        threading.Thread(target=drain, daemon=True).start()
        try:
            self.address = found.get(timeout=120)
        except queue.Empty:
            self.address = None
        if self.address is None:
            self.kill()
            raise RuntimeError("qalam-worker did not start:\n" + "".join(self.lines))

    def stop(self):
        """SIGTERM; returns the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=120)
        finally:
            self.kill()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def annotate_request(doc_id, content, encoding=None, title=b"", **features):
    d = pb["document"]
    req = pb["annotator"].AnnotateRequest(
        document=d.Document(id=doc_id, content=content, title=title), request_id="req-" + doc_id)
    if encoding is not None:
        req.features.offset_encoding = encoding
    for k, v in features.items():
        setattr(req.features, k, v)
    return req


def health(channel, service="", metadata=None):
    stub = pb["health_grpc"].HealthStub(channel)
    return stub.Check(pb["health"].HealthCheckRequest(service=service), timeout=30,
                      metadata=metadata).status


def list_services(channel, metadata=None):
    stub = pb["reflection_grpc"].ServerReflectionStub(channel)
    reqs = iter([pb["reflection"].ServerReflectionRequest(list_services="*")])
    for resp in stub.ServerReflectionInfo(reqs, timeout=30, metadata=metadata):
        return sorted(s.name for s in resp.list_services_response.service)
    return []


def qalam_annotate(path, offsets):
    out = subprocess.run([ARGS.qalam, "annotate", "--offsets", offsets, path],
                         check=True, stdout=subprocess.PIPE).stdout.decode("utf-8")
    return [json.loads(line) for line in out.splitlines()]


def sample_articles():
    with open(os.path.join(ARGS.source_dir, "examples", "sample.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def flat(spans):
    return [x for span in spans for x in span]


class AnnotatorInteropTest(unittest.TestCase):
    """The public API from Python agrees with `qalam annotate`."""

    @classmethod
    def setUpClass(cls):
        cls.worker = Worker()
        cls.channel = grpc.insecure_channel(cls.worker.address)
        cls.stub = pb["annotator_grpc"].AnnotatorStub(cls.channel)
        cls.articles = sample_articles()
        cls.sample = os.path.join(ARGS.source_dir, "examples", "sample.jsonl")

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        rc = cls.worker.stop()
        assert rc == 0, "qalam-worker exited %d on SIGTERM" % rc

    def test_annotate_matches_qalam_annotate_in_code_points(self):
        expected = qalam_annotate(self.sample, "codepoint")
        utf8 = qalam_annotate(self.sample, "utf8")
        self.assertEqual(len(expected), len(self.articles))
        arabic = 0
        for art, exp, exp8 in zip(self.articles, expected, utf8):
            req = annotate_request(art["id"], art["text"].encode("utf-8"),
                                   pb["document"].CODE_POINT,
                                   title=art.get("title", "").encode("utf-8"))
            resp = self.stub.Annotate(req, timeout=30)
            a = resp.annotation
            self.assertEqual(a.id, exp["id"])
            self.assertEqual(list(a.sentence_offsets), flat(exp["sentences"]), art["id"])
            self.assertEqual(a.tokens, exp["tokens"])
            self.assert_same_annotation(a, exp)
            self.assertEqual(resp.request_id, "req-" + art["id"])
            self.assertTrue(resp.model.qalam_version)
            # Code-point offsets index a Python str exactly where the byte
            # offsets index its UTF-8 bytes.
            text, raw = art["text"], art["text"].encode("utf-8")
            offs = list(a.sentence_offsets)
            for i in range(0, len(offs), 2):
                b, e = offs[i], offs[i + 1]
                b8, e8 = exp8["sentences"][i // 2]
                self.assertEqual(text[b:e], raw[b8:e8].decode("utf-8"))
                self.assertTrue(text[b:e].strip())
            if any("\u0600" <= c <= "\u06ff" for c in text[:200]):
                arabic += 1
        self.assertGreater(arabic, 50)  # the sample is mostly Arabic

    def assert_same_annotation(self, a, exp):
        """Language, topic, summary and keywords: the same as the result line
        (the line rounds scores to 4 decimals)."""
        self.assertEqual(a.language, exp["lang"], exp["id"])
        self.assertAlmostEqual(a.language_confidence, exp["lang_confidence"], places=3)
        self.assertEqual(a.label, exp["label"], exp["id"])
        self.assertAlmostEqual(a.confidence, exp["confidence"], places=3)
        self.assertEqual([l.name for l in a.labels], [l["name"] for l in exp["labels"]])
        for got, want in zip(a.labels, exp["labels"]):
            self.assertAlmostEqual(got.score, want["score"], places=3)
        self.assertLessEqual(sum(l.score for l in a.labels), 1.0 + 1e-6)
        self.assertEqual(list(a.summary), exp["summary"], exp["id"])
        self.assertEqual(a.summary_text, exp["summary_text"], exp["id"])
        self.assertEqual(list(a.keywords), exp["keywords"], exp["id"])

    def test_utf16_offsets_match_qalam_annotate(self):
        expected = qalam_annotate(self.sample, "utf16")
        for art, exp in list(zip(self.articles, expected))[:40]:
            resp = self.stub.Annotate(
                annotate_request(art["id"], art["text"].encode("utf-8"), pb["document"].UTF16),
                timeout=30)
            self.assertEqual(list(resp.annotation.sentence_offsets), flat(exp["sentences"]))

    def test_stream_matches_qalam_annotate_in_order_with_per_document_errors(self):
        expected = qalam_annotate(self.sample, "codepoint")
        reqs = []
        for i, art in enumerate(self.articles):
            reqs.append(annotate_request(art["id"], art["text"].encode("utf-8"),
                                         pb["document"].CODE_POINT,
                                         title=art.get("title", "").encode("utf-8")))
            if i == 10:
                reqs.append(annotate_request("bad", b"caf\xc3", pb["document"].CODE_POINT))
        got = list(self.stub.AnnotateStream(iter(reqs), timeout=120))
        self.assertEqual([r.request_id for r in got], [r.request_id for r in reqs])
        bad = got[11]
        self.assertEqual(bad.error.code, grpc.StatusCode.INVALID_ARGUMENT.value[0])
        self.assertEqual(bad.error.message, "invalid UTF-8 at byte 3")
        ok = got[:11] + got[12:]
        for resp, exp in zip(ok, expected):
            self.assertFalse(resp.HasField("error"))
            self.assertEqual(resp.annotation.id, exp["id"])
            self.assertEqual(list(resp.annotation.sentence_offsets), flat(exp["sentences"]))
            self.assertEqual(resp.annotation.tokens, exp["tokens"])
            self.assert_same_annotation(resp.annotation, exp)

    def test_process_batch_returns_the_exact_result_lines(self):
        with open(self.sample, "rb") as f:
            lines = f.read().splitlines()
        req = pb["worker"].BatchRequest(shard=3)
        req.options.json_results = True
        for i, line in enumerate(lines):
            req.records.add(seq=i, line=i + 1, json=line)
        resp = pb["worker_grpc"].WorkerStub(self.channel).ProcessBatch(req, timeout=60)
        got = b"".join(r.result_json + b"\n" for r in resp.results)
        want = subprocess.run([ARGS.qalam, "annotate", self.sample], check=True,
                              stdout=subprocess.PIPE).stdout
        self.assertEqual(got, want)

    def test_health_uses_the_standard_protocol(self):
        SERVING = pb["health"].HealthCheckResponse.SERVING
        for service in ("", "qalam.v1.Annotator", "qalam.v1.Worker"):
            self.assertEqual(health(self.channel, service), SERVING, service)
        with self.assertRaises(grpc.RpcError) as e:
            health(self.channel, "no.such.Service")
        self.assertEqual(e.exception.code(), grpc.StatusCode.NOT_FOUND)
        watch = pb["health_grpc"].HealthStub(self.channel).Watch(
            pb["health"].HealthCheckRequest(service="qalam.v1.Annotator"), timeout=30)
        self.assertEqual(next(watch).status, SERVING)
        watch.cancel()

    def test_reflection_lists_our_services(self):
        services = list_services(self.channel)
        for name in ("qalam.v1.Annotator", "qalam.v1.Worker", "grpc.health.v1.Health"):
            self.assertIn(name, services)


class HostileRequestsTest(unittest.TestCase):
    """Each hostile request gets its status code; the server stays healthy."""

    @classmethod
    def setUpClass(cls):
        cls.worker = Worker("--max-article-bytes", "100000", "--max-message-bytes", "1000000",
                            "--stream-window", "4")
        cls.channel = grpc.insecure_channel(cls.worker.address)
        cls.stub = pb["annotator_grpc"].AnnotatorStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        rc = cls.worker.stop()
        assert rc == 0, "qalam-worker exited %d on SIGTERM" % rc

    def tearDown(self):
        # After every hostile request: still serving, still answering.
        self.assertEqual(health(self.channel, "qalam.v1.Annotator"),
                         pb["health"].HealthCheckResponse.SERVING)
        resp = self.stub.Annotate(annotate_request("ok", "جملة أولى. Second one.".encode()),
                                  timeout=30)
        self.assertEqual(len(resp.annotation.sentence_offsets), 4)

    def assertStatus(self, request, code, text=None):
        with self.assertRaises(grpc.RpcError) as e:
            self.stub.Annotate(request, timeout=30)
        self.assertEqual(e.exception.code(), code, e.exception.details())
        if text is not None:
            self.assertIn(text, e.exception.details())

    def test_oversized_document(self):
        self.assertStatus(annotate_request("big", b"a" * 200000),
                          grpc.StatusCode.RESOURCE_EXHAUSTED, "exceeds the limit")

    def test_oversized_message(self):
        self.assertStatus(annotate_request("huge", b"a" * 2000000),
                          grpc.StatusCode.RESOURCE_EXHAUSTED)

    def test_invalid_utf8(self):
        self.assertStatus(annotate_request("u", "نص عربي".encode() + b"\xd8"),
                          grpc.StatusCode.INVALID_ARGUMENT, "invalid UTF-8 at byte 13")

    def test_empty_content(self):
        self.assertStatus(annotate_request("e", b""), grpc.StatusCode.INVALID_ARGUMENT, "empty")

    def test_absurd_k_and_n(self):
        self.assertStatus(annotate_request("k", b"Text.", summary_sentences=2**32 - 1),
                          grpc.StatusCode.INVALID_ARGUMENT, "summary_sentences")
        self.assertStatus(annotate_request("n", b"Text.", keywords=1001),
                          grpc.StatusCode.INVALID_ARGUMENT, "keywords")

    def test_unknown_enum_value(self):
        req = annotate_request("x", b"Text.")
        # offset_encoding (field 8) = 7, encoded by hand: no client-side check.
        req.features.MergeFromString(b"\x40\x07")
        self.assertStatus(req, grpc.StatusCode.INVALID_ARGUMENT, "offset_encoding")

    def test_deadline_exceeded(self):
        with self.assertRaises(grpc.RpcError) as e:
            self.stub.Annotate(annotate_request("d", b"Text. " * 10000), timeout=0.000001)
        self.assertEqual(e.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)

    def test_a_stream_that_never_reads(self):
        text = ("هذه جملة عربية للاختبار. " * 200).encode()
        sent = []

        def requests():
            for i in range(5000):
                sent.append(i)
                yield annotate_request(str(i), text)

        call = self.stub.AnnotateStream(requests(), timeout=120)
        # Never iterate `call`. Meanwhile another client is served...
        other = grpc.insecure_channel(self.worker.address)
        try:
            resp = pb["annotator_grpc"].AnnotatorStub(other).Annotate(
                annotate_request("other", b"Another client."), timeout=30)
            self.assertEqual(resp.annotation.id, "other")
            self.assertEqual(health(other), pb["health"].HealthCheckResponse.SERVING)
        finally:
            other.close()
        call.cancel()
        self.assertLess(len(sent), 5000)  # flow control held the client back


class SecurityTest(unittest.TestCase):
    """TLS, mutual TLS and bearer tokens on the real binary."""

    @classmethod
    def setUpClass(cls):
        cls.pki = os.path.join(ARGS.work_dir, "pki")
        shutil.rmtree(cls.pki, ignore_errors=True)
        subprocess.run(["bash", os.path.join(ARGS.source_dir, "tests", "testing", "make_certs.sh"),
                        cls.pki], check=True)
        cls.workers = []

    @classmethod
    def tearDownClass(cls):
        for w in cls.workers:
            w.kill()

    def f(self, name):
        return os.path.join(self.pki, name)

    def read(self, name):
        with open(self.f(name), "rb") as fh:
            return fh.read()

    def start(self, *flags):
        w = Worker(*flags)
        self.workers.append(w)
        return w

    def ssl(self, client=None, ca="ca.pem"):
        if client is None:
            return grpc.ssl_channel_credentials(root_certificates=self.read(ca))
        return grpc.ssl_channel_credentials(root_certificates=self.read(ca),
                                            private_key=self.read(client + ".key"),
                                            certificate_chain=self.read(client + ".pem"))

    def annotate(self, channel, metadata=None):
        stub = pb["annotator_grpc"].AnnotatorStub(channel)
        return stub.Annotate(annotate_request("s", b"Secure text."), timeout=30,
                             metadata=metadata)

    def assertRefused(self, channel, code, metadata=None):
        with self.assertRaises(grpc.RpcError) as e:
            self.annotate(channel, metadata)
        self.assertEqual(e.exception.code(), code, e.exception.details())

    def test_a_plaintext_client_cannot_talk_to_a_tls_server(self):
        w = self.start("--tls-cert", self.f("server.pem"), "--tls-key", self.f("server.key"))
        with grpc.insecure_channel(w.address) as ch:
            self.assertRefused(ch, grpc.StatusCode.UNAVAILABLE)
        with grpc.secure_channel(w.address, self.ssl()) as ch:
            self.assertEqual(self.annotate(ch).annotation.id, "s")
        with grpc.secure_channel(w.address, self.ssl(ca="rogue-ca.pem")) as ch:
            self.assertRefused(ch, grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(w.stop(), 0)

    def test_mutual_tls_refuses_clients_without_the_right_certificate(self):
        w = self.start("--tls-cert", self.f("server.pem"), "--tls-key", self.f("server.key"),
                       "--tls-client-ca", self.f("ca.pem"),
                       "--tls-client-allow", "qalam-coordinator")
        with grpc.secure_channel(w.address, self.ssl()) as ch:  # no client certificate
            self.assertRefused(ch, grpc.StatusCode.UNAVAILABLE)
        with grpc.secure_channel(w.address, self.ssl("rogue-client")) as ch:  # untrusted CA
            self.assertRefused(ch, grpc.StatusCode.UNAVAILABLE)
        with grpc.secure_channel(w.address, self.ssl("other-client")) as ch:  # not allowed
            self.assertRefused(ch, grpc.StatusCode.PERMISSION_DENIED)
            self.assertEqual(health(ch), pb["health"].HealthCheckResponse.SERVING)
        with grpc.secure_channel(w.address, self.ssl("client")) as ch:
            self.assertEqual(self.annotate(ch).annotation.id, "s")
        self.assertEqual(w.stop(), 0)

    def test_bearer_tokens(self):
        w = self.start("--auth-token-file", self.f("tokens.txt"))
        good = [("authorization", "Bearer second-token-fedcba9876543210")]
        with grpc.insecure_channel(w.address) as ch:
            self.assertRefused(ch, grpc.StatusCode.UNAUTHENTICATED)
            self.assertRefused(ch, grpc.StatusCode.UNAUTHENTICATED,
                               [("authorization", "Bearer wrong-token-0000000000000000")])
            self.assertEqual(self.annotate(ch, good).annotation.id, "s")
            # Health answers without a token; reflection does not.
            self.assertEqual(health(ch, "qalam.v1.Annotator"),
                             pb["health"].HealthCheckResponse.SERVING)
            with self.assertRaises(grpc.RpcError) as e:
                list_services(ch)
            self.assertEqual(e.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            self.assertIn("qalam.v1.Annotator", list_services(ch, good))
        self.assertEqual(w.stop(), 0)

    def test_tls_with_tokens(self):
        w = self.start("--tls-cert", self.f("server.pem"), "--tls-key", self.f("server.key"),
                       "--auth-token-file", self.f("tokens.txt"))
        with grpc.secure_channel(w.address, self.ssl()) as ch:
            self.assertRefused(ch, grpc.StatusCode.UNAUTHENTICATED)
        creds = grpc.composite_channel_credentials(
            self.ssl(), grpc.access_token_call_credentials("first-token-0123456789abcdef"))
        with grpc.secure_channel(w.address, creds) as ch:
            self.assertEqual(self.annotate(ch).annotation.id, "s")
        self.assertEqual(w.stop(), 0)

    def test_tokens_are_refused_on_a_plaintext_network_address(self):
        r = subprocess.run([ARGS.worker, "--listen", "0.0.0.0:0", "--auth-token-file",
                            self.f("tokens.txt")], stderr=subprocess.PIPE, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"clear text", r.stderr)


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__)
    for flag in ("--worker", "--qalam", "--protoc", "--grpc-python-plugin", "--source-dir",
                 "--work-dir"):
        parser.add_argument(flag, required=True)
    ARGS, rest = parser.parse_known_args()
    os.makedirs(ARGS.work_dir, exist_ok=True)
    generate_stubs(ARGS.work_dir)
    unittest.main(argv=[sys.argv[0], "-v"] + rest)


if __name__ == "__main__":
    main()
