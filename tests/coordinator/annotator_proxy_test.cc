// qalam.v1.Annotator served by the coordinator (AnnotatorProxy) over real
// gRPC, forwarding to real qalam-worker servers (WorkerServer on
// 127.0.0.1:0), and qalam-coordinator's security flags on the real binary.
#include "coordinator/annotator_proxy.h"

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_status.h"
#include "common/security.h"
#include "coordinator/dispatcher.h"
#include "coordinator/job.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qalam/v1/annotator.grpc.pb.h"
#include "tests/testing/rpc_test_util.h"
#include "tests/testing/test_pki.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/worker_process.h"
#include "workers/server.h"

namespace qalam {
namespace {

using ::qalam_testing::Gate;
using ::qalam_testing::HealthCheck;
using ::qalam_testing::IsOk;
using ::qalam_testing::IsOkAndHolds;
using ::qalam_testing::PollUntil;
using ::qalam_testing::ReadLines;
using ::qalam_testing::RunCommand;
using ::qalam_testing::StatusIs;
using ::qalam_testing::WorkerProcess;
using ::testing::AnyOf;
using ::testing::HasSubstr;

const std::string kSample = std::string(QALAM_SOURCE_DIR) + "/examples/sample.jsonl";

std::chrono::system_clock::time_point In(absl::Duration d) {
  return std::chrono::system_clock::now() + absl::ToChronoMilliseconds(d);
}

std::unique_ptr<WorkerServer> StartWorker(WorkerServerOptions o = WorkerServerOptions()) {
  o.listen = "127.0.0.1:0";
  if (o.runtime.threads == 0) o.runtime.threads = 1;
  auto server = WorkerServer::Start(std::move(o));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(server).value() : nullptr;
}

v1::AnnotateRequest Request(const std::string& text, const std::string& id = "doc") {
  v1::AnnotateRequest req;
  req.mutable_document()->set_id(id);
  req.mutable_document()->set_content(text);
  return req;
}

absl::Status Annotate(v1::Annotator::StubInterface* stub, const v1::AnnotateRequest& req,
                      v1::AnnotateResponse* resp, absl::Duration timeout = absl::Seconds(60)) {
  grpc::ClientContext ctx;
  ctx.set_deadline(In(timeout));
  return FromGrpcStatus(stub->Annotate(&ctx, req, resp));
}

// A coordinator's Annotator service over a Dispatcher of `targets`.
class Proxy {
 public:
  explicit Proxy(std::vector<std::string> targets, ClientSecurityOptions security = {}) {
    DispatcherOptions d;
    d.targets = std::move(targets);
    d.security = std::move(security);
    d.health_interval = absl::Milliseconds(100);
    auto dispatcher = Dispatcher::Create(d);
    EXPECT_TRUE(dispatcher.ok()) << dispatcher.status();
    dispatcher_ = std::move(dispatcher).value();
    service_ = std::make_unique<AnnotatorProxy>(dispatcher_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    stub_ = v1::Annotator::NewStub(channel_);
  }
  ~Proxy() {
    server_->Shutdown(In(absl::Seconds(1)));
    server_->Wait();
  }
  Dispatcher& dispatcher() { return *dispatcher_; }
  v1::Annotator::Stub* stub() { return stub_.get(); }

 private:
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<AnnotatorProxy> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Annotator::Stub> stub_;
};

TEST(AnnotatorProxy, GivesTheSameAnnotationAsTheWorker) {
  auto worker = StartWorker();
  ASSERT_NE(worker, nullptr);
  Proxy proxy({worker->address()});
  ASSERT_TRUE(proxy.dispatcher().WaitForHealthyWorker(absl::Seconds(60)));
  auto direct = v1::Annotator::NewStub(
      grpc::CreateChannel(worker->address(), grpc::InsecureChannelCredentials()));
  const std::vector<std::string> lines = ReadLines(kSample);
  ASSERT_GT(lines.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    // The sample's text field, via the annotate path's own JSON: simplest to
    // send the whole line as text, which is valid UTF-8 either way.
    v1::AnnotateRequest req = Request(lines[i], absl::StrCat("d", i));
    req.mutable_features()->set_summary_sentences(2);
    req.mutable_features()->set_offset_encoding(v1::UTF16);
    v1::AnnotateResponse via_proxy, via_worker;
    ASSERT_THAT(Annotate(proxy.stub(), req, &via_proxy), IsOk());
    ASSERT_THAT(Annotate(direct.get(), req, &via_worker), IsOk());
    EXPECT_EQ(via_proxy.SerializeAsString(), via_worker.SerializeAsString()) << i;
    EXPECT_EQ(via_proxy.annotation().id(), absl::StrCat("d", i));
    EXPECT_GT(via_proxy.annotation().tokens(), 0u);
  }
  // The worker's errors come through with their codes and messages.
  v1::AnnotateResponse resp;
  EXPECT_THAT(Annotate(proxy.stub(), Request("abc\xff"), &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid UTF-8 at byte 3")));
  EXPECT_THAT(Annotate(proxy.stub(), Request(""), &resp),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AnnotatorProxy, MovesOnToAnotherWorkerWhenOneIsDown) {
  auto a = StartWorker();
  auto b = StartWorker();
  ASSERT_TRUE(a != nullptr && b != nullptr);
  Proxy proxy({a->address(), b->address()});
  ASSERT_TRUE(PollUntil([&] { return proxy.dispatcher().Stats().workers_alive == 2; }));
  const uint64_t b_before = b->runtime().stats().records.load();
  // `a` goes away; the dispatcher's health checks have not noticed yet, so
  // round robin still offers it: every call must still succeed, on `b`.
  a->Shutdown(absl::ZeroDuration());
  a.reset();
  for (int i = 0; i < 6; ++i) {
    v1::AnnotateResponse resp;
    EXPECT_THAT(Annotate(proxy.stub(), Request("نص قصير. Short text."), &resp), IsOk()) << i;
  }
  EXPECT_EQ(b->runtime().stats().records.load(), b_before + 6);
  EXPECT_TRUE(PollUntil([&] { return proxy.dispatcher().Stats().workers_alive == 1; }));
  // No worker at all: UNAVAILABLE, saying so.
  b->Shutdown(absl::ZeroDuration());
  ASSERT_TRUE(PollUntil([&] { return proxy.dispatcher().Stats().workers_alive == 0; }));
  v1::AnnotateResponse resp;
  EXPECT_THAT(Annotate(proxy.stub(), Request("text"), &resp),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("no healthy worker")));
}

TEST(AnnotatorProxy, PropagatesTheCallersDeadlineAndCancellation) {
  auto gate = std::make_shared<Gate>();
  WorkerServerOptions o;
  o.runtime.before_record_for_testing = [gate] { gate->Pass(); };
  o.runtime.threads = 2;  // each held call holds a thread
  auto worker = StartWorker(std::move(o));
  ASSERT_NE(worker, nullptr);
  Proxy proxy({worker->address()});
  ASSERT_TRUE(proxy.dispatcher().WaitForHealthyWorker(absl::Seconds(60)));
  WorkerStats& stats = worker->runtime().stats();

  // The caller's deadline passes while the worker holds the call: the worker
  // sees its call cancelled (its deadline is the caller's, not the proxy's
  // 60 s default), the caller sees DEADLINE_EXCEEDED.
  v1::AnnotateResponse resp;
  const absl::Time start = absl::Now();
  EXPECT_THAT(Annotate(proxy.stub(), Request("Held text."), &resp, absl::Milliseconds(500)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_TRUE(PollUntil([&] { return stats.calls_cancelled.load() >= 1; }, absl::Seconds(10)));

  // A caller that cancels: the worker's call is cancelled too.
  qalam_testing::AsyncCall<v1::AnnotateRequest, v1::AnnotateResponse> call;
  call.request = Request("Held text, cancelled.");
  call.ctx.set_deadline(In(absl::Seconds(60)));
  proxy.stub()->async()->Annotate(&call.ctx, &call.request, &call.response, call.Callback());
  gate->WaitForArrivals(2);
  call.ctx.TryCancel();
  EXPECT_EQ(call.Wait().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(PollUntil([&] { return stats.calls_cancelled.load() >= 2; }, absl::Seconds(10)));
  gate->Open();
}

TEST(AnnotatorProxy, RelaysAStreamInOrderWithPerDocumentErrors) {
  auto worker = StartWorker();
  ASSERT_NE(worker, nullptr);
  Proxy proxy({worker->address()});
  ASSERT_TRUE(proxy.dispatcher().WaitForHealthyWorker(absl::Seconds(60)));
  const std::vector<std::string> lines = ReadLines(kSample);
  const int n = static_cast<int>(lines.size());
  // Some answers straight from the worker, to compare with.
  auto direct = v1::Annotator::NewStub(
      grpc::CreateChannel(worker->address(), grpc::InsecureChannelCredentials()));
  std::map<int, std::string> want;
  for (int i = 0; i < n; i += 40) {
    v1::AnnotateResponse r;
    ASSERT_THAT(Annotate(direct.get(), Request(lines[i]), &r), IsOk());
    want[i] = r.annotation().SerializeAsString();
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(In(absl::Seconds(120)));
  auto stream = proxy.stub()->AnnotateStream(&ctx);
  // Write everything from one thread while reading in this one.
  std::thread writer([&] {
    for (int i = 0; i < n; ++i) {
      v1::AnnotateRequest req = Request(i == 7 ? std::string("bad \xff") : lines[i]);
      req.set_request_id(absl::StrCat("r", i));
      if (!stream->Write(req)) break;
    }
    stream->WritesDone();
  });
  v1::AnnotateResponse resp;
  int got = 0;
  while (stream->Read(&resp)) {
    EXPECT_EQ(resp.request_id(), absl::StrCat("r", got));
    if (got == 7) {
      EXPECT_EQ(resp.error().code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
    } else if (want.count(got) > 0) {
      EXPECT_EQ(resp.annotation().SerializeAsString(), want[got]) << got;
    }
    ++got;
  }
  writer.join();
  EXPECT_THAT(FromGrpcStatus(stream->Finish()), IsOk());
  EXPECT_EQ(got, n);
  // The worker held no more than its window of the stream's documents.
  EXPECT_LE(worker->runtime().stats().stream_buffered_max.load(),
            worker->runtime().options().stream_window);
}

TEST(AnnotatorProxy, EndsAStreamWhoseWorkerGoesAway) {
  auto worker = StartWorker();
  ASSERT_NE(worker, nullptr);
  Proxy proxy({worker->address()});
  ASSERT_TRUE(proxy.dispatcher().WaitForHealthyWorker(absl::Seconds(60)));
  grpc::ClientContext ctx;
  ctx.set_deadline(In(absl::Seconds(120)));
  auto stream = proxy.stub()->AnnotateStream(&ctx);
  v1::AnnotateResponse resp;
  ASSERT_TRUE(stream->Write(Request("One document.")));
  ASSERT_TRUE(stream->Read(&resp));
  // The stream is idle and open on both sides when its worker stops.
  const absl::Time start = absl::Now();
  worker->Shutdown(absl::ZeroDuration());
  EXPECT_FALSE(stream->Read(&resp));
  EXPECT_THAT(FromGrpcStatus(stream->Finish()),
              StatusIs(AnyOf(absl::StatusCode::kUnavailable, absl::StatusCode::kCancelled)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
}

// TLS, mutual TLS and bearer tokens between the coordinator and its workers,
// and on the coordinator's own server (the real qalam-coordinator binary).
class CoordinatorSecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pki = qalam_testing::TestPki::Make("qalam-coord-pki");
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = pki->release();
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  static std::string F(const std::string& name) { return pki_->File(name); }

  // A worker that demands TLS and a bearer token.
  static std::unique_ptr<WorkerServer> SecureWorker() {
    ServerSecurityOptions s;
    s.tls_cert_file = F("server.pem");
    s.tls_key_file = F("server.key");
    s.auth_token_file = F("tokens.txt");
    WorkerServerOptions o;
    o.listen = "127.0.0.1:0";
    auto creds = ServerCredentialsFromOptions(s, o.listen);
    EXPECT_TRUE(creds.ok()) << creds.status();
    o.credentials = *creds;
    return StartWorker(std::move(o));
  }

  static ClientSecurityOptions WorkerCredentials(const std::string& token_file) {
    ClientSecurityOptions c;
    c.tls_ca_file = F("ca.pem");
    c.auth_token_file = F(token_file);
    return c;
  }

  static qalam_testing::TestPki* pki_;
};

qalam_testing::TestPki* CoordinatorSecurityTest::pki_ = nullptr;

TEST_F(CoordinatorSecurityTest, AJobCompletesOnTlsAndTokenWorkers) {
  auto worker = SecureWorker();
  ASSERT_NE(worker, nullptr);
  DispatcherOptions d;
  d.targets = {worker->address()};
  d.security = WorkerCredentials("token.txt");
  auto dispatcher = Dispatcher::Create(d);
  ASSERT_THAT(dispatcher.status(), IsOk());
  ASSERT_TRUE((*dispatcher)->WaitForHealthyWorker(absl::Seconds(60)));
  JobSpec spec;
  spec.inputs = {kSample};
  spec.output_dir = pki_->dir() + "/job-ok";
  spec.shard_records = 50;
  JobMonitor monitor;
  absl::StatusOr<JobResult> r = RunJob(spec, dispatcher->get(), &monitor);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_EQ(r->processed, ReadLines(kSample).size());
  EXPECT_EQ(r->failed, 0u);
}

TEST_F(CoordinatorSecurityTest, AWrongTokenFailsTheJobWithUnauthenticated) {
  auto worker = SecureWorker();
  ASSERT_NE(worker, nullptr);
  DispatcherOptions d;
  d.targets = {worker->address()};
  d.security = WorkerCredentials("wrong-token.txt");
  auto dispatcher = Dispatcher::Create(d);
  ASSERT_THAT(dispatcher.status(), IsOk());
  // Health needs no token: the worker looks healthy, and refuses the work.
  ASSERT_TRUE((*dispatcher)->WaitForHealthyWorker(absl::Seconds(60)));
  JobSpec spec;
  spec.inputs = {kSample};
  spec.output_dir = pki_->dir() + "/job-wrong";
  JobMonitor monitor;
  const absl::Time start = absl::Now();
  absl::StatusOr<JobResult> r = RunJob(spec, dispatcher->get(), &monitor);
  EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kUnauthenticated,
                                   AllOf(HasSubstr("refused the coordinator's credentials"),
                                         HasSubstr("invalid bearer token"))));
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  EXPECT_EQ(monitor.articles_failed.load(), 0u);  // not blamed on the articles

  // The Annotator API says the same, as INTERNAL: not the caller's token.
  Proxy proxy({worker->address()}, WorkerCredentials("wrong-token.txt"));
  ASSERT_TRUE(proxy.dispatcher().WaitForHealthyWorker(absl::Seconds(60)));
  v1::AnnotateResponse resp;
  EXPECT_THAT(Annotate(proxy.stub(), Request("text"), &resp),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("invalid bearer token")));
}

TEST_F(CoordinatorSecurityTest, TheCoordinatorBinaryServesWithTheWorkersSecurityFlags) {
  auto worker = SecureWorker();
  ASSERT_NE(worker, nullptr);
  auto coordinator = WorkerProcess::Start(
      QALAM_COORDINATOR_BIN,
      {"--listen", "127.0.0.1:0", "--workers", worker->address(), "--tls-cert", F("server.pem"),
       "--tls-key", F("server.key"), "--auth-token-file", F("tokens.txt"), "--worker-tls-ca",
       F("ca.pem"), "--worker-auth-token-file", F("token.txt")});
  ASSERT_THAT(coordinator.status(), IsOk());
  const std::string address = (*coordinator)->address();
  ClientSecurityOptions c;
  c.tls_ca_file = F("ca.pem");
  c.auth_token_file = F("token.txt");
  auto channel = CreateChannelFromOptions(address, c);
  ASSERT_THAT(channel.status(), IsOk());
  auto stub = v1::Annotator::NewStub(*channel);
  // Health answers without a token (the coordinator's own, over TLS).
  ClientSecurityOptions tls_only;
  tls_only.tls_ca_file = F("ca.pem");
  auto no_token = CreateChannelFromOptions(address, tls_only);
  ASSERT_THAT(no_token.status(), IsOk());
  EXPECT_THAT(HealthCheck(*no_token, "qalam.v1.Annotator"), IsOkAndHolds(1));
  // With the token: forwarded to the worker (with the worker's token).
  v1::AnnotateResponse resp;
  EXPECT_TRUE(PollUntil([&] { return Annotate(stub.get(), Request("نص عبر المنسق."), &resp).ok(); },
                        absl::Seconds(60)));
  EXPECT_GT(resp.annotation().tokens(), 0u);
  // Without it: UNAUTHENTICATED from the coordinator itself.
  auto bare = v1::Annotator::NewStub(*no_token);
  EXPECT_THAT(Annotate(bare.get(), Request("text"), &resp),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("missing bearer token")));
  ASSERT_THAT((*coordinator)->Signal(SIGTERM), IsOk());
  EXPECT_THAT((*coordinator)->WaitForExit(absl::Seconds(30)), IsOkAndHolds(0));
}

}  // namespace
}  // namespace qalam
