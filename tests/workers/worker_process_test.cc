// The real qalam-worker binary, as an operator runs it: flags, the
// "listening on" line, SIGTERM during an in-flight batch.
#include "tests/testing/worker_process.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>

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

namespace qalam {
namespace {

using ::qalam_testing::AsyncCall;
using ::qalam_testing::HealthCheck;
using ::qalam_testing::IsOk;
using ::qalam_testing::IsOkAndHolds;
using ::qalam_testing::ReadLines;
using ::qalam_testing::RunCommand;
using ::qalam_testing::WorkerProcess;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST(WorkerProcess, AnswersHelp) {
  auto out = RunCommand(absl::StrCat(QALAM_WORKER_BIN, " --help"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(*out, HasSubstr("--listen"));
  EXPECT_THAT(*out, HasSubstr("--grace-seconds"));
  EXPECT_FALSE(RunCommand(absl::StrCat(QALAM_WORKER_BIN, " --bogus 2>/dev/null")).ok());
}

TEST(WorkerProcess, PrintsTheChosenPortAndExitsZeroOnSigterm) {
  auto worker =
      WorkerProcess::Start(QALAM_WORKER_BIN, {"--listen", "127.0.0.1:0", "--threads", "1"});
  ASSERT_TRUE(worker.ok()) << worker.status();
  EXPECT_THAT((*worker)->address(), MatchesRegex("127\\.0\\.0\\.1:[1-9][0-9]*"));
  auto channel = grpc::CreateChannel((*worker)->address(), grpc::InsecureChannelCredentials());
  EXPECT_THAT(HealthCheck(channel, "qalam.v1.Worker"), IsOkAndHolds(1));
  ASSERT_THAT((*worker)->Signal(SIGTERM), IsOk());
  EXPECT_THAT((*worker)->WaitForExit(absl::Seconds(60)), IsOkAndHolds(0));
}

TEST(WorkerProcess, SigtermDuringABatchLetsItCompleteThenExitsZero) {
  auto worker = WorkerProcess::Start(QALAM_WORKER_BIN,
                                     {"--listen", "127.0.0.1:0", "--threads", "1", "--verbose"});
  ASSERT_TRUE(worker.ok()) << worker.status();
  // A batch of thousands of full results is larger than gRPC's default 4 MiB
  // receive limit; the coordinator raises it the same way.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  auto channel = grpc::CreateCustomChannel((*worker)->address(),
                                           grpc::InsecureChannelCredentials(), args);
  auto stub = v1::Worker::NewStub(channel);

  // A batch big enough to take a while: the sample corpus, 20 times.
  const std::vector<std::string> lines =
      ReadLines(std::string(QALAM_SOURCE_DIR) + "/examples/sample.jsonl");
  AsyncCall<v1::BatchRequest, v1::BatchResponse> call;
  call.request.set_shard(42);
  call.request.mutable_options()->set_json_results(true);
  for (int copy = 0; copy < 20; ++copy) {
    for (const std::string& line : lines) {
      v1::Record* r = call.request.add_records();
      r->set_seq(static_cast<uint64_t>(call.request.records_size() - 1));
      r->set_json(line);
    }
  }
  call.ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  stub->async()->ProcessBatch(&call.ctx, &call.request, &call.response, call.Callback());

  // The worker logs when it starts the batch (--verbose): only then is the
  // call certainly in flight on the server.
  ASSERT_TRUE((*worker)->WaitForStderr("shard 42: ", absl::Seconds(60))) << (*worker)->StderrText();
  ASSERT_THAT((*worker)->Signal(SIGTERM), IsOk());

  EXPECT_THAT(FromGrpcStatus(call.Wait()), IsOk());
  ASSERT_EQ(call.response.results_size(), call.request.records_size());
  for (const v1::RecordResult& r : call.response.results()) {
    ASSERT_EQ(r.outcome_case(), v1::RecordResult::kResultJson) << r.error().message();
  }
  EXPECT_THAT((*worker)->WaitForExit(absl::Seconds(60)), IsOkAndHolds(0));
  const std::string log = (*worker)->StderrText();
  EXPECT_THAT(log, HasSubstr("received signal 15"));
  EXPECT_THAT(log, HasSubstr("shut down"));
}

TEST(WorkerProcess, RefusesBadFlagValues) {
  for (const char* args : {"--threads -1", "--max-message-bytes 0", "--stream-window 0",
                           "--listen 256.1.1.1:1", "extra-arg"}) {
    SCOPED_TRACE(args);
    EXPECT_FALSE(RunCommand(absl::StrCat(QALAM_WORKER_BIN, " ", args, " 2>/dev/null")).ok());
  }
}

}  // namespace
}  // namespace qalam
