// WorkerRuntime: what qalam-worker's gRPC services share. The Annotator
// (immutable, one per process), the bounded ThreadPool that runs all CPU work,
// one RecordProcessor (scratch memory) per pool thread, the count of calls in
// flight (for draining), the limits, and counters.
//
// The services (worker_service.h, annotator_service.h) are thin adapters over
// this: they unpack a call, post the work to pool(), and finish the call
// from the pool thread.
//
// Thread-safety: safe for concurrent use. processor() must be called from a
// pool thread, which then owns the returned object for the task's duration.
#ifndef QALAM_WORKERS_WORKER_RUNTIME_H_
#define QALAM_WORKERS_WORKER_RUNTIME_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/shutdown.h"
#include "common/thread_pool.h"
#include "workers/pipeline/annotator.h"
#include "workers/record_processor.h"

namespace qalam {

// Testing only: failure injection around each ProcessBatch call, so that the
// coordinator's failure tests run the real worker (tests/testing/
// test_worker.cc: crash, hang, fail, be slow). qalam-worker has no flag that
// installs one; production servers have none.
//
// Implementations must be thread-safe: calls run on the pool's threads.
class BatchInterceptor {
 public:
  virtual ~BatchInterceptor() = default;
  // Runs on the pool thread before the batch is processed. A non-OK status
  // fails the call with it and the batch is not processed. May block while
  // `check_alive` returns OK (a hung worker), or end the process (a crash).
  virtual absl::Status BeforeBatch(const v1::BatchRequest& request, CheckAliveFn check_alive) = 0;
  // Runs on the pool thread after the batch was processed successfully,
  // before the response is sent; it may change the response.
  virtual void AfterBatch(const v1::BatchRequest& request, v1::BatchResponse* response) = 0;
};

struct WorkerRuntimeOptions {
  // Folder of the model files; empty = the bundled models.
  std::string model_dir;
  // A topic model for every article instead of the bundled ones
  // (AnnotatorConfig::topic_model); empty = the bundled ones.
  std::string topic_model;
  // Pool threads; 0 = one per available core.
  int threads = 0;
  // Calls (batches, documents) waiting for a thread before new ones are
  // refused with RESOURCE_EXHAUSTED; 0 = 16 per thread.
  size_t max_queued = 0;
  ProcessLimits limits;
  // Documents a single AnnotateStream may have in flight (read but not yet
  // written back). The stream stops reading when it is reached.
  int stream_window = 16;
  // Log every call (start, end, status) at INFO.
  bool verbose = false;
  // Testing only: called on the pool thread before each record or document
  // is processed (after the call started), so tests can hold a call in
  // flight deterministically. Must be thread-safe. Empty in production.
  std::function<void()> before_record_for_testing;
  // Testing only: see BatchInterceptor. Null in production.
  std::shared_ptr<BatchInterceptor> batch_interceptor_for_testing;
};

// Counters, readable at any time (relaxed atomics).
struct WorkerStats {
  std::atomic<uint64_t> calls{0};             // RPCs accepted by our services
  std::atomic<uint64_t> calls_cancelled{0};   // OnCancel() seen (client or deadline)
  std::atomic<uint64_t> calls_overloaded{0};  // refused with RESOURCE_EXHAUSTED
  std::atomic<uint64_t> records{0};           // records and documents processed
  // AnnotateStream documents read and not yet written back, over all
  // streams, now and at most.
  std::atomic<int64_t> stream_buffered{0};
  std::atomic<int64_t> stream_buffered_max{0};
};

// The status of a call refused because the server is draining: UNAVAILABLE,
// which clients retry on another server.
inline absl::Status DrainingError() {
  return absl::UnavailableError("the server is shutting down; retry on another server");
}

class WorkerRuntime {
 public:
  // Builds the annotator, runs one warm-up article through it (so the first
  // call does not pay for lazy initialisation), and starts the pool.
  // Loads the models (errors name the file and the problem), warms up and
  // starts the pool.
  static absl::StatusOr<std::unique_ptr<WorkerRuntime>> Create(WorkerRuntimeOptions options);

  // Shuts the pool down: queued tasks run, then the threads are joined.
  ~WorkerRuntime();

  WorkerRuntime(const WorkerRuntime&) = delete;
  WorkerRuntime& operator=(const WorkerRuntime&) = delete;

  const WorkerRuntimeOptions& options() const { return options_; }
  const Annotator& annotator() const { return *annotator_; }
  ThreadPool& pool() { return *pool_; }
  InflightCalls& inflight() { return inflight_; }
  WorkerStats& stats() { return stats_; }

  // The calling pool thread's RecordProcessor.
  // REQUIRES: called from one of pool()'s threads.
  RecordProcessor& processor();

  // Runs the testing hook, if any.
  void BeforeRecord() const {
    if (options_.before_record_for_testing) options_.before_record_for_testing();
  }

  // Adds `delta` to stats().stream_buffered and keeps the maximum.
  void AddStreamBuffered(int64_t delta);

 private:
  const WorkerRuntimeOptions options_;
  WorkerRuntime(WorkerRuntimeOptions options, std::unique_ptr<Annotator> annotator);

  std::unique_ptr<Annotator> annotator_;
  InflightCalls inflight_;
  WorkerStats stats_;
  std::vector<std::unique_ptr<RecordProcessor>> processors_;  // one per pool thread
  // Last member: destroyed first, so tasks still queued at destruction run
  // while everything they use is alive.
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace qalam

#endif  // QALAM_WORKERS_WORKER_RUNTIME_H_
