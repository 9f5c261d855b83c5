// qalam.v1.Worker/ProcessBatch against a real server on 127.0.0.1:0.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qalam/v1/worker.grpc.pb.h"
#include "tests/testing/rpc_test_util.h"
#include "tests/testing/status_matchers.h"
#include "workers/pipeline/fingerprint.h"
#include "workers/server.h"

namespace qalam {
namespace {

using ::qalam_testing::AsyncCall;
using ::qalam_testing::Gate;
using ::qalam_testing::IsOk;
using ::qalam_testing::ReadLines;
using ::qalam_testing::RunCommand;
using ::qalam_testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kSample = std::string(QALAM_SOURCE_DIR) + "/examples/sample.jsonl";

class ProcessBatchTest : public ::testing::Test {
 protected:
  void Start(WorkerServerOptions options = WorkerServerOptions()) {
    options.listen = "127.0.0.1:0";
    if (options.runtime.threads == 0) options.runtime.threads = 2;
    auto server = WorkerServer::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::Worker::NewStub(channel_);
  }

  absl::Status Call(const v1::BatchRequest& request, v1::BatchResponse* response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return FromGrpcStatus(stub_->ProcessBatch(&ctx, request, response));
  }

  static v1::BatchRequest JsonBatch(const std::vector<std::string>& lines) {
    v1::BatchRequest req;
    req.set_shard(7);
    req.mutable_options()->set_json_results(true);
    for (size_t i = 0; i < lines.size(); ++i) {
      v1::Record* r = req.add_records();
      r->set_seq(1000 + i);
      r->set_line(i + 1);
      r->set_json(lines[i]);
    }
    return req;
  }

  std::unique_ptr<WorkerServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Worker::Stub> stub_;
};

TEST_F(ProcessBatchTest, JsonResultsAreByteIdenticalToQalamAnnotate) {
  Start();
  const std::vector<std::string> lines = ReadLines(kSample);
  ASSERT_GT(lines.size(), 100u);
  const struct {
    const char* flag;
    v1::OffsetEncoding encoding;
  } kEncodings[] = {{"utf8", v1::UTF8}, {"utf16", v1::UTF16}, {"codepoint", v1::CODE_POINT}};
  for (const auto& e : kEncodings) {
    SCOPED_TRACE(e.flag);
    auto expected =
        RunCommand(absl::StrCat(QALAM_BIN, " annotate --offsets ", e.flag, " ", kSample));
    ASSERT_TRUE(expected.ok()) << expected.status();
    v1::BatchRequest req = JsonBatch(lines);
    req.mutable_options()->mutable_features()->set_offset_encoding(e.encoding);
    v1::BatchResponse resp;
    ASSERT_THAT(Call(req, &resp), IsOk());
    EXPECT_EQ(resp.shard(), 7u);
    ASSERT_EQ(resp.results_size(), static_cast<int>(lines.size()));
    std::string got;
    for (int i = 0; i < resp.results_size(); ++i) {
      const v1::RecordResult& r = resp.results(i);
      EXPECT_EQ(r.seq(), 1000u + static_cast<uint64_t>(i));
      ASSERT_EQ(r.outcome_case(), v1::RecordResult::kResultJson) << r.error().message();
      absl::StrAppend(&got, r.result_json(), "\n");
    }
    EXPECT_EQ(got, *expected);
    EXPECT_FALSE(resp.model().qalam_version().empty());
  }
}

TEST_F(ProcessBatchTest, StructuredAnnotationsCarryTheSameSentencesAndTokens) {
  Start();
  v1::BatchRequest req = JsonBatch({R"({"id":"a","text":"قطر. Doha!"})"});
  req.mutable_options()->set_json_results(false);
  v1::Record* doc = req.add_records();
  doc->set_seq(5);
  doc->mutable_document()->set_id("d");
  doc->mutable_document()->set_content("قطر. 😀 ok.");
  req.mutable_options()->mutable_features()->set_offset_encoding(v1::CODE_POINT);
  v1::BatchResponse resp;
  ASSERT_THAT(Call(req, &resp), IsOk());
  ASSERT_EQ(resp.results_size(), 2);
  const v1::Annotation& a = resp.results(0).annotation();
  EXPECT_EQ(a.id(), "a");
  EXPECT_THAT(a.sentence_offsets(), ElementsAre(0, 4, 5, 10));
  EXPECT_EQ(a.tokens(), 2u);
  const v1::Annotation& d = resp.results(1).annotation();
  EXPECT_EQ(resp.results(1).seq(), 5u);
  EXPECT_EQ(d.id(), "d");
  EXPECT_THAT(d.sentence_offsets(), ElementsAre(0, 4, 5, 10));
}

TEST_F(ProcessBatchTest, OneBadRecordNeverFailsItsBatch) {
  Start();
  v1::BatchRequest req = JsonBatch({
      R"({"id":"good1","text":"نص جيد."})",
      std::string("{\"id\":\"badutf8\",\"text\":\"a\xff\"}"),
      R"({"id":"badjson","text":"x")",
      R"({"id":"empty","text":"  "})",
      R"({"id":"big","text":")" + std::string(200, 'x') + R"("})",
      R"({"id":"notext"})",
      R"({"text":"No id here."})",
  });
  req.mutable_options()->set_max_article_bytes(100);
  req.add_records()->set_seq(1);  // no payload
  v1::Record* bad_doc = req.add_records();
  bad_doc->set_seq(2);
  bad_doc->mutable_document()->set_id("doc-bad");
  bad_doc->mutable_document()->set_content(std::string("ok \xc3\x28 no"));
  v1::BatchResponse resp;
  ASSERT_THAT(Call(req, &resp), IsOk());
  ASSERT_EQ(resp.results_size(), 9);
  auto error = [&](int i) { return resp.results(i).error(); };
  EXPECT_EQ(resp.results(0).outcome_case(), v1::RecordResult::kResultJson);
  EXPECT_EQ(error(1).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(error(1).message(), "invalid UTF-8 at byte 25 of the record");
  EXPECT_THAT(error(2).message(), HasSubstr("malformed JSON"));
  EXPECT_EQ(error(3).message(), "empty text");
  EXPECT_EQ(error(3).id(), "empty");
  EXPECT_EQ(error(4).message(), "text of 200 bytes exceeds the limit of 100");
  EXPECT_EQ(error(4).id(), "big");
  EXPECT_EQ(error(5).message(), "no \"text\" field");
  EXPECT_EQ(error(5).id(), "notext");
  // A record without an id is named after its line, as `qalam annotate` does.
  EXPECT_THAT(resp.results(6).result_json(), HasSubstr(R"({"id":"line-7",)"));
  EXPECT_EQ(error(7).message(), "record has neither json nor document");
  EXPECT_EQ(error(8).message(), "invalid UTF-8 at byte 3");
  EXPECT_EQ(error(8).id(), "doc-bad");
}

TEST_F(ProcessBatchTest, ReplacesInvalidUtf8WhenAsked) {
  Start();
  v1::BatchRequest req = JsonBatch({std::string("{\"id\":\"r\",\"text\":\"caf\xe9 ok.\"}")});
  req.mutable_options()->set_replace_invalid_utf8(true);
  v1::BatchResponse resp;
  ASSERT_THAT(Call(req, &resp), IsOk());
  // The replacement character keeps the text's shape: one sentence, 2 words.
  EXPECT_THAT(resp.results(0).result_json(), StartsWith(R"({"id":"r",)"));
  EXPECT_THAT(resp.results(0).result_json(), HasSubstr(R"("sentences":[[0,10]],"tokens":2)"));
}

TEST_F(ProcessBatchTest, RefusesAbsurdOptionsForTheWholeBatch) {
  Start();
  v1::BatchRequest req = JsonBatch({R"({"text":"x"})"});
  req.mutable_options()->mutable_features()->set_keywords(1001);
  v1::BatchResponse resp;
  EXPECT_THAT(Call(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("keywords")));
  req.mutable_options()->mutable_features()->set_keywords(0);
  req.mutable_options()->mutable_features()->set_offset_encoding(
      static_cast<v1::OffsetEncoding>(9));
  EXPECT_THAT(Call(req, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("offset_encoding")));
}

TEST_F(ProcessBatchTest, RefusesMessagesAboveTheLimit) {
  WorkerServerOptions o;
  o.max_message_bytes = 64 << 10;
  Start(o);
  v1::BatchRequest req = JsonBatch({R"({"text":")" + std::string(100 << 10, 'a') + R"("})"});
  v1::BatchResponse resp;
  EXPECT_THAT(Call(req, &resp), StatusIs(absl::StatusCode::kResourceExhausted));
  // The server is fine afterwards.
  EXPECT_THAT(Call(JsonBatch({R"({"text":"Fine."})"}), &resp), IsOk());
}

TEST_F(ProcessBatchTest, AnswersResourceExhaustedWhenTheQueueIsFull) {
  auto gate = std::make_shared<Gate>();
  WorkerServerOptions o;
  o.runtime.threads = 1;
  o.runtime.max_queued = 1;
  o.runtime.before_record_for_testing = [gate] { gate->Pass(); };
  Start(o);
  AsyncCall<v1::BatchRequest, v1::BatchResponse> running, queued;
  running.request = JsonBatch({R"({"text":"One."})"});
  queued.request = JsonBatch({R"({"text":"Two."})"});
  stub_->async()->ProcessBatch(&running.ctx, &running.request, &running.response,
                               running.Callback());
  gate->WaitForArrivals(1);  // the only thread is busy
  stub_->async()->ProcessBatch(&queued.ctx, &queued.request, &queued.response, queued.Callback());
  ASSERT_TRUE(qalam_testing::PollUntil([&] { return server_->runtime().pool().queued() == 1; }));
  v1::BatchResponse resp;
  EXPECT_THAT(Call(JsonBatch({R"({"text":"Three."})"}), &resp),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("overloaded")));
  EXPECT_EQ(server_->runtime().stats().calls_overloaded.load(), 1u);
  gate->Open();
  EXPECT_THAT(FromGrpcStatus(running.Wait()), IsOk());
  EXPECT_THAT(FromGrpcStatus(queued.Wait()), IsOk());
  EXPECT_EQ(queued.response.results_size(), 1);
}

TEST_F(ProcessBatchTest, ServesOnAUnixSocket) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/qalam-worker-", getpid(), ".sock");
  WorkerServerOptions o;
  o.listen = "unix:" + path;
  o.runtime.threads = 1;
  auto server = WorkerServer::Start(o);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->address(), "unix:" + path);
  EXPECT_EQ((*server)->port(), 0);
  auto stub = v1::Worker::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  v1::BatchResponse resp;
  EXPECT_TRUE(stub->ProcessBatch(&ctx, JsonBatch({R"({"text":"Hi."})"}), &resp).ok());
  EXPECT_EQ(resp.results_size(), 1);
}

TEST_F(ProcessBatchTest, RecordStatsFingerprintExactAndNearDuplicates) {
  Start();
  const std::vector<std::string> lines = ReadLines(kSample);
  ASSERT_GT(lines.size(), 3u);
  // The sample's first article, the same text re-spaced and re-punctuated
  // (an exact duplicate by the fingerprint's definition), the same text with
  // one word replaced (a near duplicate), another article, and a bad record.
  const std::string text = R"(قالت الحكومة إن الاقتصاد نما بنسبة ثلاثة في المئة هذا العام، )"
                           R"(وإن البطالة تراجعت في المدن الكبرى. وأضاف الوزير أن الصادرات )"
                           R"(ارتفعت إلى مستوى قياسي بفضل الطلب على الغاز والنفط والسلع الزراعية، )"
                           R"(وأن الحكومة ستخفض الضرائب على الشركات الصغيرة في العام المقبل.)";
  std::string respaced = text;
  for (size_t p = respaced.find(' '); p != std::string::npos; p = respaced.find(' ', p + 3)) {
    respaced.replace(p, 1, "  ");
  }
  respaced += " !!";
  std::string near = text;
  const size_t at = near.find("الصغيرة");
  ASSERT_NE(at, std::string::npos);
  near.replace(at, std::string("الصغيرة").size(), "المتوسطة");
  auto line = [](const std::string& id, const std::string& t) {
    return absl::StrCat(R"({"id":")", id, R"(","text":")", t, R"("})");
  };
  v1::BatchRequest req = JsonBatch({line("a", text), line("a2", respaced), line("b", near),
                                    lines[1], R"({"id":"bad","text":""})"});
  req.mutable_options()->set_record_stats(true);
  v1::BatchResponse resp;
  ASSERT_THAT(Call(req, &resp), IsOk());
  ASSERT_EQ(resp.results_size(), 5);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(resp.results(i).has_stats()) << i;
    EXPECT_EQ(resp.results(i).stats().minhash_size(), kMinHashSize) << i;
  }
  EXPECT_FALSE(resp.results(4).has_stats());  // an error carries no stats
  auto sig = [&](int i) {
    std::array<uint32_t, kMinHashSize> s{};
    for (int k = 0; k < kMinHashSize; ++k) s[k] = resp.results(i).stats().minhash(k);
    return s;
  };
  const v1::RecordStats& a = resp.results(0).stats();
  // Code points: the bytes that do not continue a UTF-8 sequence.
  EXPECT_EQ(a.chars(), static_cast<uint64_t>(std::count_if(
                           text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; })));
  EXPECT_EQ(resp.results(1).stats().text_hash(), a.text_hash());
  EXPECT_EQ(sig(1), sig(0));
  EXPECT_NE(resp.results(2).stats().text_hash(), a.text_hash());
  EXPECT_GE(EstimateJaccard(sig(0), sig(2)), 0.6);
  EXPECT_NE(resp.results(3).stats().text_hash(), a.text_hash());
  EXPECT_LE(EstimateJaccard(sig(0), sig(3)), 0.2);

  // Without record_stats, no stats.
  req.mutable_options()->set_record_stats(false);
  ASSERT_THAT(Call(req, &resp), IsOk());
  for (const v1::RecordResult& r : resp.results()) EXPECT_FALSE(r.has_stats());
}

}  // namespace
}  // namespace qalam
