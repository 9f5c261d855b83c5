// qalam.v1.Annotator (Annotate, AnnotateStream) against a real server.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qalam/v1/annotator.grpc.pb.h"
#include "tests/testing/rpc_test_util.h"
#include "tests/testing/status_matchers.h"
#include "workers/pipeline/annotator.h"
#include "workers/proto_convert.h"
#include "workers/server.h"
#include "workers/text/utf8.h"

namespace qalam {
namespace {

using ::qalam_testing::AsyncCall;
using ::qalam_testing::Gate;
using ::qalam_testing::HealthCheck;
using ::qalam_testing::IsOk;
using ::qalam_testing::IsOkAndHolds;
using ::qalam_testing::PollUntil;
using ::qalam_testing::ReadLines;
using ::qalam_testing::RunCommand;
using ::qalam_testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kSample = std::string(QALAM_SOURCE_DIR) + "/examples/sample.jsonl";

using Stream = grpc::ClientReaderWriter<v1::AnnotateRequest, v1::AnnotateResponse>;

v1::AnnotateRequest Request(const std::string& id, const std::string& content) {
  v1::AnnotateRequest r;
  r.set_request_id("req-" + id);
  r.mutable_document()->set_id(id);
  r.mutable_document()->set_content(content);
  return r;
}

// The result line `qalam annotate` would write for this annotation (the
// groups the annotator computes today).
std::string ResultLine(const v1::Annotation& a) {
  AnnotationResult r;
  FromAnnotationProto(a, &r);
  std::string line;
  AppendResultJson(r, &line);
  return line;
}

class AnnotatorServiceTest : public ::testing::Test {
 protected:
  void Start(WorkerServerOptions options = WorkerServerOptions()) {
    options.listen = "127.0.0.1:0";
    if (options.runtime.threads == 0) options.runtime.threads = 2;
    auto server = WorkerServer::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::Annotator::NewStub(channel_);
  }

  void TearDown() override {
    gate_->Open();
    if (server_) server_->Shutdown(absl::ZeroDuration());
  }

  absl::StatusOr<v1::AnnotateResponse> Annotate(const v1::AnnotateRequest& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::AnnotateResponse resp;
    grpc::Status s = stub_->Annotate(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp;
  }

  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::unique_ptr<WorkerServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Annotator::Stub> stub_;
};

TEST_F(AnnotatorServiceTest, AnnotateMatchesQalamAnnotateInEveryOffsetEncoding) {
  Start();
  const struct {
    const char* flag;
    v1::OffsetEncoding encoding;
  } kEncodings[] = {{"utf8", v1::OFFSET_ENCODING_UNSPECIFIED},
                    {"utf16", v1::UTF16},
                    {"codepoint", v1::CODE_POINT}};
  const std::string input = absl::StrCat(::testing::TempDir(), "/docs-", getpid(), ".jsonl");
  // The first 40 sample articles, as documents.
  std::vector<std::string> lines = ReadLines(kSample);
  lines.resize(40);
  {
    std::ofstream out(input);
    for (const std::string& l : lines) out << l << "\n";
  }
  auto parse = [](const std::string& line, v1::AnnotateRequest* req) {
    ArticleParser parser{ArticleFields(), ArticleLimits()};
    ArticleView a;
    ASSERT_TRUE(parser.Parse(line, 1, &a).ok());
    req->mutable_document()->set_id(std::string(a.id));
    req->mutable_document()->set_content(std::string(a.text));
    req->mutable_document()->set_title(std::string(a.title));
  };
  for (const auto& e : kEncodings) {
    SCOPED_TRACE(e.flag);
    auto expected = RunCommand(absl::StrCat(QALAM_BIN, " annotate --offsets ", e.flag, " ", input));
    ASSERT_TRUE(expected.ok()) << expected.status();
    std::string got;
    for (const std::string& line : lines) {
      v1::AnnotateRequest req;
      parse(line, &req);
      req.mutable_features()->set_offset_encoding(e.encoding);
      auto resp = Annotate(req);
      ASSERT_THAT(resp, IsOk());
      absl::StrAppend(&got, ResultLine(resp->annotation()), "\n");
    }
    EXPECT_EQ(got, *expected);
  }
}

TEST_F(AnnotatorServiceTest, AnnotateFillsModelInfoAndEchoesIds) {
  Start();
  v1::AnnotateRequest req = Request("a", "قطر. 😀 ok.");
  req.mutable_features()->set_offset_encoding(v1::UTF16);
  req.mutable_features()->set_extract_sentences(true);
  auto resp = Annotate(req);
  ASSERT_THAT(resp, IsOk());
  EXPECT_EQ(resp->request_id(), "req-a");
  EXPECT_EQ(resp->annotation().id(), "a");
  EXPECT_THAT(resp->annotation().sentence_offsets(), ElementsAre(0, 4, 5, 11));
  EXPECT_EQ(resp->model().qalam_version(), QALAM_VERSION);
  EXPECT_FALSE(resp->has_error());
}

TEST_F(AnnotatorServiceTest, AnnotateRefusesBadRequestsWithTheirCodes) {
  WorkerServerOptions o;
  o.runtime.limits.max_article_bytes = 1000;
  Start(o);
  EXPECT_THAT(Annotate(Request("u", std::string("abc\xe2\x82 def"))),
              StatusIs(absl::StatusCode::kInvalidArgument, "invalid UTF-8 at byte 3"));
  EXPECT_THAT(Annotate(Request("e", "")),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty text"));
  EXPECT_THAT(Annotate(Request("b", " \n\t ")),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty text"));
  v1::AnnotateRequest title = Request("t", "Fine text.");
  title.mutable_document()->set_title(std::string("\xff"));
  EXPECT_THAT(Annotate(title),
              StatusIs(absl::StatusCode::kInvalidArgument, "invalid UTF-8 in title at byte 0"));
  v1::AnnotateRequest enc = Request("x", "Fine text.");
  enc.mutable_features()->set_offset_encoding(static_cast<v1::OffsetEncoding>(4));
  EXPECT_THAT(Annotate(enc),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("offset_encoding")));
  v1::AnnotateRequest k = Request("k", "Fine text.");
  k.mutable_features()->set_summary_sentences(1001);
  EXPECT_THAT(Annotate(k),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("summary_sentences")));
  v1::AnnotateRequest n = Request("n", "Fine text.");
  n.mutable_features()->set_keywords(4000000000u);
  EXPECT_THAT(Annotate(n), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("keywords")));
  EXPECT_THAT(Annotate(Request("big", std::string(1001, 'a'))),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("exceeds the limit")));
  EXPECT_THAT(HealthCheck(channel_, "qalam.v1.Annotator"), IsOkAndHolds(1));
}

TEST_F(AnnotatorServiceTest, AnnotateAnswersResourceExhaustedWhenOverloaded) {
  WorkerServerOptions o;
  o.runtime.threads = 1;
  o.runtime.max_queued = 1;
  auto gate = gate_;
  o.runtime.before_record_for_testing = [gate] { gate->Pass(); };
  Start(o);
  AsyncCall<v1::AnnotateRequest, v1::AnnotateResponse> running, queued;
  running.request = Request("1", "One.");
  queued.request = Request("2", "Two.");
  stub_->async()->Annotate(&running.ctx, &running.request, &running.response, running.Callback());
  gate_->WaitForArrivals(1);
  stub_->async()->Annotate(&queued.ctx, &queued.request, &queued.response, queued.Callback());
  ASSERT_TRUE(PollUntil([&] { return server_->runtime().pool().queued() == 1; }));
  EXPECT_THAT(Annotate(Request("3", "Three.")),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("overloaded")));
  gate_->Open();
  EXPECT_TRUE(running.Wait().ok());
  EXPECT_TRUE(queued.Wait().ok());
}

TEST_F(AnnotatorServiceTest, StreamAnswersInOrderWithPerDocumentErrors) {
  Start();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  std::unique_ptr<Stream> stream = stub_->AnnotateStream(&ctx);
  std::vector<v1::AnnotateRequest> reqs;
  for (int i = 0; i < 60; ++i) {
    std::string content = absl::StrCat("Document number ", i, ". It has two sentences.");
    if (i % 10 == 3) content = std::string("bad \xff utf8");
    if (i % 10 == 7) content = "";
    reqs.push_back(Request(absl::StrCat(i), content));
  }
  reqs[20].mutable_features()->set_keywords(1001);
  std::thread writer([&] {
    for (const auto& r : reqs) ASSERT_TRUE(stream->Write(r));
    stream->WritesDone();
  });
  v1::AnnotateResponse resp;
  int i = 0;
  while (stream->Read(&resp)) {
    SCOPED_TRACE(i);
    ASSERT_LT(i, 60);
    EXPECT_EQ(resp.request_id(), absl::StrCat("req-", i));
    if (i % 10 == 3) {
      EXPECT_EQ(resp.error().code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
      EXPECT_EQ(resp.error().message(), "invalid UTF-8 at byte 4");
    } else if (i % 10 == 7) {
      EXPECT_EQ(resp.error().message(), "empty text");
    } else if (i == 20) {
      EXPECT_THAT(resp.error().message(), HasSubstr("keywords"));
    } else {
      EXPECT_FALSE(resp.has_error()) << resp.error().message();
      EXPECT_EQ(resp.annotation().id(), absl::StrCat(i));
      EXPECT_EQ(resp.annotation().sentence_offsets_size(), 4);
      EXPECT_FALSE(resp.model().qalam_version().empty());
    }
    ++i;
  }
  writer.join();
  EXPECT_EQ(i, 60);
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(AnnotatorServiceTest, StreamKeepsAtMostItsWindowInFlight) {
  WorkerServerOptions o;
  o.runtime.stream_window = 4;
  auto gate = gate_;
  o.runtime.before_record_for_testing = [gate] { gate->Pass(); };
  Start(o);
  grpc::ClientContext ctx;
  std::unique_ptr<Stream> stream = stub_->AnnotateStream(&ctx);
  std::thread writer([&] {
    for (int i = 0; i < 100; ++i) {
      if (!stream->Write(Request(absl::StrCat(i), "Short text."))) break;
    }
    stream->WritesDone();
  });
  // With the work held, the server reads exactly its window and stops.
  ASSERT_TRUE(PollUntil([&] { return server_->runtime().stats().stream_buffered.load() == 4; }));
  gate_->Open();
  v1::AnnotateResponse resp;
  int n = 0;
  while (stream->Read(&resp)) {
    EXPECT_EQ(resp.request_id(), absl::StrCat("req-", n));
    ++n;
  }
  writer.join();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(n, 100);
  EXPECT_EQ(server_->runtime().stats().stream_buffered_max.load(), 4);
}

TEST_F(AnnotatorServiceTest, AClientThatNeverReadsIsNotBufferedWithoutBound) {
  WorkerServerOptions o;
  o.runtime.stream_window = 8;
  Start(o);
  grpc::ClientContext ctx;
  std::unique_ptr<Stream> stream = stub_->AnnotateStream(&ctx);
  // 5 KB documents; the client writes and never reads. Its writes stall once
  // the server stops reading and HTTP/2 flow control pushes back.
  const std::string text = [] {
    std::string t;
    while (t.size() < 5000) t += "هذه جملة عربية للاختبار. ";
    return t;
  }();
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      if (!stream->Write(Request(absl::StrCat(i), text))) return;
      ++written;
    }
  });
  ASSERT_TRUE(PollUntil([&] { return server_->runtime().stats().stream_buffered.load() == 8; }));
  // The server stays healthy and serves others meanwhile.
  EXPECT_THAT(HealthCheck(channel_, "qalam.v1.Annotator"), IsOkAndHolds(1));
  EXPECT_THAT(Annotate(Request("other", "Another client.")), IsOk());
  ctx.TryCancel();
  writer.join();
  EXPECT_LT(written.load(), 2000);  // flow control stopped the client
  EXPECT_THAT(FromGrpcStatus(stream->Finish()), StatusIs(absl::StatusCode::kCancelled));
  // The stream's memory and its in-flight slot are released.
  EXPECT_TRUE(PollUntil([&] {
    return server_->runtime().stats().stream_buffered.load() == 0 &&
           server_->runtime().inflight().count() == 0;
  }));
  EXPECT_LE(server_->runtime().stats().stream_buffered_max.load(), 8);
}

TEST_F(AnnotatorServiceTest, StreamInFlightCompletesWhileTheServerDrains) {
  Start();
  grpc::ClientContext ctx;
  std::unique_ptr<Stream> stream = stub_->AnnotateStream(&ctx);
  v1::AnnotateResponse resp;
  ASSERT_TRUE(stream->Write(Request("0", "Before the drain.")));
  ASSERT_TRUE(stream->Read(&resp));
  std::thread shutdown([&] { server_->Shutdown(absl::Seconds(60)); });
  ASSERT_TRUE(PollUntil([&] { return server_->draining(); }));
  // A new stream is refused; the open one goes on.
  grpc::ClientContext ctx2;
  auto refused = stub_->AnnotateStream(&ctx2);
  EXPECT_FALSE(refused->Read(&resp));
  EXPECT_THAT(FromGrpcStatus(refused->Finish()), StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_TRUE(stream->Write(Request("1", "During the drain.")));
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_EQ(resp.request_id(), "req-1");
  EXPECT_FALSE(resp.has_error());
  stream->WritesDone();
  EXPECT_FALSE(stream->Read(&resp));
  EXPECT_TRUE(stream->Finish().ok());
  shutdown.join();
}

TEST_F(AnnotatorServiceTest, TheDocumentedClientServiceConfigIsAccepted) {
  Start();
  std::ifstream in(std::string(QALAM_SOURCE_DIR) + "/deploy/service_config.json");
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(json.empty());
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(json);
  auto channel =
      grpc::CreateCustomChannel(server_->address(), grpc::InsecureChannelCredentials(), args);
  auto stub = v1::Annotator::NewStub(channel);
  grpc::ClientContext ctx;
  v1::AnnotateResponse resp;
  ASSERT_TRUE(stub->Annotate(&ctx, Request("sc", "With the service config."), &resp).ok());
  // The channel runs with it (an invalid config would fail the call).
  EXPECT_THAT(channel->GetServiceConfigJSON(), HasSubstr("retryPolicy"));
  EXPECT_THAT(channel->GetLoadBalancingPolicyName(), "round_robin");
}

}  // namespace
}  // namespace qalam
