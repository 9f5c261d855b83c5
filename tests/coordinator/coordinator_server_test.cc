// qalam.v1.Coordinator over real gRPC, with a real qalam-worker process (and
// qalam-test-worker, the same server made slow, where a job must still be
// running when it is cancelled).
#include "coordinator/coordinator_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "coordinator/dispatcher.h"
#include "coordinator/job_manager.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "qalam/v1/coordinator.grpc.pb.h"

namespace qalam {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class CoordinatorServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/qcs-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    StartWorker(QALAM_WORKER_BIN, {"--threads", "1"});
    DispatcherOptions dopts;
    dopts.targets = {"unix:" + dir_ + "/w.sock"};
    auto d = Dispatcher::Create(dopts);
    ASSERT_TRUE(d.ok()) << d.status();
    dispatcher_ = std::move(d).value();
    ASSERT_TRUE(dispatcher_->WaitForHealthyWorker(absl::Seconds(60)));
    jobs_ = std::make_unique<JobManager>(dispatcher_.get(), 1);
    service_ = std::make_unique<CoordinatorService>(jobs_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::Coordinator::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    // A corpus: the sample, 5 times.
    const std::string sample = ReadFile(std::string(QALAM_SOURCE_DIR) + "/examples/sample.jsonl");
    std::ofstream out(dir_ + "/in.jsonl", std::ios::binary);
    for (int i = 0; i < 5; ++i) out << sample;
  }

  void StartWorker(const std::string& binary, std::vector<std::string> knobs) {
    std::vector<std::string> args = {binary, "--listen", "unix:" + dir_ + "/w.sock"};
    args.insert(args.end(), knobs.begin(), knobs.end());
    worker_ = fork();
    if (worker_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      freopen("/dev/null", "w", stdout);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    jobs_.reset();
    service_.reset();
    dispatcher_.reset();
    if (worker_ > 0) {
      kill(worker_, SIGKILL);
      waitpid(worker_, nullptr, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  v1::Job Watch(const std::string& id, int* updates) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(300));
    v1::GetJobRequest req;
    req.set_job_id(id);
    auto reader = stub_->WatchJob(&ctx, req);
    v1::Job job, last;
    *updates = 0;
    while (reader->Read(&job)) {
      last = job;
      ++*updates;
    }
    EXPECT_TRUE(reader->Finish().ok());
    return last;
  }

  std::string dir_;
  pid_t worker_ = -1;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<JobManager> jobs_;
  std::unique_ptr<CoordinatorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Coordinator::Stub> stub_;
};

TEST_F(CoordinatorServerTest, RunsAJobToCompletionAndReportsIt) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::StartJobRequest req;
  req.add_inputs(dir_ + "/in.jsonl");
  req.set_output_dir(dir_ + "/out");
  req.mutable_options()->set_shard_size(50);
  v1::Job started;
  ASSERT_TRUE(stub_->StartJob(&ctx, req, &started).ok());
  EXPECT_EQ(started.state(), v1::RUNNING);
  int updates = 0;
  v1::Job done = Watch(started.job_id(), &updates);
  EXPECT_GE(updates, 1);
  ASSERT_EQ(done.state(), v1::SUCCEEDED) << done.error();
  EXPECT_EQ(done.progress().articles_processed(), 1000u);
  EXPECT_THAT(done.report_json(), ::testing::HasSubstr("\"processed\": 1000"));
  EXPECT_THAT(done.report_json(), ::testing::HasSubstr("\"groups\": 200"));  // 5 copies each
  const std::string results = ReadFile(dir_ + "/out/results.jsonl");
  EXPECT_EQ(std::count(results.begin(), results.end(), '\n'), 1000);

  grpc::ClientContext lctx;
  v1::ListJobsResponse list;
  ASSERT_TRUE(stub_->ListJobs(&lctx, v1::ListJobsRequest(), &list).ok());
  ASSERT_EQ(list.jobs_size(), 1);
  EXPECT_EQ(list.jobs(0).job_id(), started.job_id());
}

TEST_F(CoordinatorServerTest, RefusesBadRequestsWithSpecificCodes) {
  {
    grpc::ClientContext ctx;
    v1::StartJobRequest req;
    req.set_output_dir(dir_ + "/out");
    v1::Job job;
    EXPECT_EQ(stub_->StartJob(&ctx, req, &job).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext ctx;
    v1::GetJobRequest req;
    req.set_job_id("job-999");
    v1::Job job;
    EXPECT_EQ(stub_->GetJob(&ctx, req, &job).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  {
    // A missing input fails the job (not the call), with the reason.
    grpc::ClientContext ctx;
    v1::StartJobRequest req;
    req.add_inputs(dir_ + "/nope.jsonl");
    req.set_output_dir(dir_ + "/out2");
    v1::Job job;
    ASSERT_TRUE(stub_->StartJob(&ctx, req, &job).ok());
    int updates;
    v1::Job done = Watch(job.job_id(), &updates);
    EXPECT_EQ(done.state(), v1::FAILED);
    EXPECT_THAT(done.error(), ::testing::HasSubstr("does not exist"));
  }
}

TEST_F(CoordinatorServerTest, CancelledJobKeepsItsWorkAndResumes) {
  // A slow worker, so that the job is still running when it is cancelled.
  kill(worker_, SIGKILL);
  waitpid(worker_, nullptr, 0);
  StartWorker(QALAM_TEST_WORKER_BIN, {"--slow-ms", "200"});
  v1::StartJobRequest req;
  req.add_inputs(dir_ + "/in.jsonl");
  req.set_output_dir(dir_ + "/out");
  req.mutable_options()->set_shard_size(20);
  v1::Job job;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->StartJob(&ctx, req, &job).ok());
  }
  {
    grpc::ClientContext ctx;
    v1::GetJobRequest g;
    g.set_job_id(job.job_id());
    v1::Job c;
    ASSERT_TRUE(stub_->CancelJob(&ctx, g, &c).ok());
  }
  int updates;
  v1::Job done = Watch(job.job_id(), &updates);
  EXPECT_EQ(done.state(), v1::CANCELLED);
  // Resume with a fast worker: the job completes.
  kill(worker_, SIGKILL);
  waitpid(worker_, nullptr, 0);
  StartWorker(QALAM_WORKER_BIN, {"--threads", "1"});
  ASSERT_TRUE(dispatcher_->WaitForHealthyWorker(absl::Seconds(60)));
  req.set_resume(true);
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->StartJob(&ctx, req, &job).ok());
  }
  done = Watch(job.job_id(), &updates);
  ASSERT_EQ(done.state(), v1::SUCCEEDED) << done.error();
  const std::string results = ReadFile(dir_ + "/out/results.jsonl");
  EXPECT_EQ(std::count(results.begin(), results.end(), '\n'), 1000);
}

}  // namespace
}  // namespace qalam
