// Helpers for RPC tests against real servers: reading fixtures, running the
// `qalam` binary, a gate that holds server work in flight, async calls with
// the callback API, and the standard health check.
//
// Thread-safety: Gate and AsyncCall are safe for concurrent use; the free
// functions are thread-safe.
#ifndef QALAM_TESTS_TESTING_RPC_TEST_UTIL_H_
#define QALAM_TESTS_TESTING_RPC_TEST_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace qalam_testing {

// The lines of a file, without their line breaks.
inline std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// Runs a shell command and returns its stdout; Internal if it fails.
inline absl::StatusOr<std::string> RunCommand(const std::string& command) {
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return absl::InternalError("popen failed: " + command);
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (rc != 0)
    return absl::InternalError("command failed (" + std::to_string(rc) + "): " + command);
  return out;
}

// Holds server-side work: Pass() blocks until Open(); counts arrivals.
// Install as WorkerRuntimeOptions::before_record_for_testing:
//   auto gate = std::make_shared<Gate>();
//   options.runtime.before_record_for_testing = [gate] { gate->Pass(); };
class Gate {
 public:
  void Pass() {
    absl::MutexLock l(&mu_);
    ++arrived_;
    mu_.Await(absl::Condition(&open_));
  }
  void Open() {
    absl::MutexLock l(&mu_);
    open_ = true;
  }
  // The number of Pass() calls so far.
  int arrivals() {
    absl::MutexLock l(&mu_);
    return arrived_;
  }
  // Blocks until at least `n` Pass() calls have started.
  void WaitForArrivals(int n) {
    absl::MutexLock l(&mu_);
    auto enough = [this, n]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return arrived_ >= n; };
    mu_.Await(absl::Condition(&enough));
  }

 private:
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
};

// Polls `done` every millisecond until it is true or `timeout` passes.
inline bool PollUntil(const std::function<bool()>& done,
                      absl::Duration timeout = absl::Seconds(60)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

// A unary call made with the callback API, awaited later.
//   AsyncCall<BatchRequest, BatchResponse> call;
//   stub->async()->ProcessBatch(&call.ctx, &call.request, &call.response, call.Callback());
//   grpc::Status s = call.Wait();
template <typename Request, typename Response>
struct AsyncCall {
  grpc::ClientContext ctx;
  Request request;
  Response response;
  grpc::Status status;
  absl::Notification done;

  std::function<void(grpc::Status)> Callback() {
    return [this](grpc::Status s) {
      status = std::move(s);
      done.Notify();
    };
  }
  const grpc::Status& Wait() {
    done.WaitForNotification();
    return status;
  }
};

// grpc.health.v1.Health/Check for `service`; the status (SERVING = 1,
// NOT_SERVING = 2) or the RPC's error.
inline absl::StatusOr<int> HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                                       const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status s = stub->Check(&ctx, req, &resp);
  if (!s.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
  }
  return static_cast<int>(resp.status());
}

}  // namespace qalam_testing

#endif  // QALAM_TESTS_TESTING_RPC_TEST_UTIL_H_
