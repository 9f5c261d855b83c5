#include "tests/testing/test_worker.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/cli.h"
#include "common/log.h"
#include "common/shutdown.h"
#include "workers/server.h"

namespace qalam {
namespace testing {
namespace {

struct Knobs {
  int64_t crash_after = 0;
  int64_t hang_after = 0;
  int64_t error_after = 0;
  int64_t slow_ms = 0;
  std::string poison_crash;
  std::string poison_hang;
  std::string seq_log;
  std::string unhealthy_file;
  bool no_report_fields = false;
};

bool Holds(const v1::BatchRequest& req, const std::string& marker) {
  if (marker.empty()) return false;
  for (const v1::Record& r : req.records()) {
    const std::string& data = r.has_document() ? r.document().content() : r.json();
    if (data.find(marker) != std::string::npos) return true;
  }
  return false;
}

// The knobs, applied around each batch of the real worker.
class FailureInjector final : public BatchInterceptor {
 public:
  explicit FailureInjector(Knobs knobs) : knobs_(std::move(knobs)) {
    if (!knobs_.seq_log.empty()) {
      log_fd_ = ::open(knobs_.seq_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
  }
  ~FailureInjector() override {
    if (log_fd_ >= 0) ::close(log_fd_);
  }

  absl::Status BeforeBatch(const v1::BatchRequest& req, CheckAliveFn check_alive) override {
    const int64_t n = ++batches_;
    if ((knobs_.crash_after > 0 && n >= knobs_.crash_after) || Holds(req, knobs_.poison_crash)) {
      ::_exit(70);  // a crash: no goodbye
    }
    if ((knobs_.hang_after > 0 && n >= knobs_.hang_after) || Holds(req, knobs_.poison_hang)) {
      // Hang until the caller gives up (or the server shuts down).
      absl::Status s;
      while ((s = check_alive()).ok()) absl::SleepFor(absl::Milliseconds(20));
      return s;
    }
    if (knobs_.error_after > 0 && n >= knobs_.error_after) {
      return absl::InternalError("test worker: told to fail");
    }
    if (knobs_.slow_ms > 0) absl::SleepFor(absl::Milliseconds(knobs_.slow_ms));
    return absl::OkStatus();
  }

  void AfterBatch(const v1::BatchRequest& req, v1::BatchResponse* resp) override {
    if (knobs_.no_report_fields) {
      // What a worker from before RecordStats.report sends.
      for (v1::RecordResult& r : *resp->mutable_results()) {
        if (r.has_stats()) r.mutable_stats()->clear_report();
      }
    }
    if (log_fd_ < 0) return;
    std::string lines;
    for (const v1::Record& r : req.records()) absl::StrAppend(&lines, r.seq(), "\n");
    // O_APPEND: one write per batch lands whole, whatever other threads do.
    if (::write(log_fd_, lines.data(), lines.size()) < 0) QALAM_LOG(ERROR) << "seq log";
  }

 private:
  const Knobs knobs_;
  std::atomic<int64_t> batches_{0};
  int log_fd_ = -1;
};

}  // namespace

int TestWorkerMain(int argc, char** argv) {
  Knobs knobs;
  WorkerServerOptions options;
  options.listen.clear();
  int64_t threads = 1;
  FlagSet flags("qalam-test-worker --listen ADDR [KNOBS]",
                "The real qalam-worker server with knobs to crash, hang, fail or be slow,\n"
                "for tests of the coordinator.");
  flags.String("listen", &options.listen, "address: host:port (port 0 picks one) or unix:/path",
               "ADDR");
  flags.Int("threads", &threads, "batches processed at once");
  flags.String("model-dir", &options.runtime.model_dir,
               "folder of the model files (default: bundled)", "DIR");
  flags.Int("crash-after", &knobs.crash_after, "exit abruptly at the N-th batch");
  flags.Int("hang-after", &knobs.hang_after, "hang from the N-th batch on");
  flags.Int("error-after", &knobs.error_after, "fail every batch from the N-th on");
  flags.Int("slow-ms", &knobs.slow_ms, "sleep per batch", "MS");
  flags.String("poison-crash", &knobs.poison_crash, "exit on a batch holding this string", "S");
  flags.String("poison-hang", &knobs.poison_hang, "hang on a batch holding this string", "S");
  flags.String("seq-log", &knobs.seq_log, "append processed seqs here", "FILE");
  flags.String("unhealthy-file", &knobs.unhealthy_file, "NOT_SERVING while this file exists",
               "FILE");
  flags.Bool("no-report-fields", &knobs.no_report_fields,
             "send no RecordStats.report, as workers before it did");
  std::vector<std::string> rest;
  absl::Status st = flags.Parse(argc, argv, 1, &rest);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (st.ok() && options.listen.empty()) st = absl::InvalidArgumentError("--listen is required");
  if (st.ok() && threads < 1) st = absl::InvalidArgumentError("--threads must be positive");
  if (!st.ok()) {
    std::fprintf(stderr, "qalam-test-worker: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  SetLogProgramName("qalam-test-worker");
  auto signals = TerminationSignals::Install();
  if (!signals.ok()) {
    std::fprintf(stderr, "qalam-test-worker: %s\n", signals.status().ToString().c_str());
    return 1;
  }
  const std::string unhealthy_file = knobs.unhealthy_file;
  options.runtime.threads = static_cast<int>(threads);
  options.runtime.batch_interceptor_for_testing =
      std::make_shared<FailureInjector>(std::move(knobs));
  absl::StatusOr<std::unique_ptr<WorkerServer>> server = WorkerServer::Start(std::move(options));
  if (!server.ok()) {
    std::fprintf(stderr, "qalam-test-worker: %s\n", server.status().ToString().c_str());
    return 1;
  }
  if (!unhealthy_file.empty() && ::access(unhealthy_file.c_str(), F_OK) == 0) {
    (*server)->SetServing(false);  // before anyone is told where it listens
  }
  std::printf("listening on %s port %d\n", (*server)->address().c_str(), (*server)->port());
  std::fflush(stdout);

  std::atomic<bool> done{false};
  std::thread health_thread;
  if (!unhealthy_file.empty()) {
    health_thread = std::thread([&] {
      bool serving = ::access(unhealthy_file.c_str(), F_OK) != 0;
      while (!done.load()) {
        const bool want = ::access(unhealthy_file.c_str(), F_OK) != 0;
        if (want != serving) {
          (*server)->SetServing(want);
          serving = want;
        }
        absl::SleepFor(absl::Milliseconds(50));
      }
    });
  }
  (*signals)->Wait();
  done = true;
  if (health_thread.joinable()) health_thread.join();
  (*server)->Shutdown(absl::Seconds(2));
  return 0;
}

}  // namespace testing
}  // namespace qalam
