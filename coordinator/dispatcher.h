// The Dispatcher sends shards of records to qalam workers over gRPC and
// hands back one outcome per record, whatever happens to the workers on the
// way.
//
//  * One long-lived channel per worker address; calls use the callback API
//    and every call has a deadline. Requests go out as ranges of the
//    shard's wire-format buffer (EncodedBatch: no per-record messages, no
//    serialisation copy); responses are parsed onto a protobuf arena that
//    the shard keeps (no per-record allocations).
//  * At most `max_in_flight_per_worker` shards in flight per worker, and the
//    least-loaded worker gets the next shard, so a slow worker gets less.
//  * Workers are health-checked (grpc.health.v1, service "qalam.v1.Worker",
//    falling back to "") every `health_interval`: a worker that is not
//    SERVING gets nothing until it is again. A worker whose calls keep
//    failing is quarantined with exponential backoff.
//  * A failed or timed-out shard is retried on another worker with
//    exponential backoff. A retried shard is "suspect" and runs alone on an
//    idle worker, so that a second failure can be blamed on it; a suspect
//    shard that fails alone is split in two, down to single records. A
//    single record that fails alone on `poison_failures` attempts (on two
//    different workers when there are two) is a poison article: its outcome
//    is an error (INTERNAL, or DEADLINE_EXCEEDED when it timed out) and the
//    job goes on.
//  * Targets: "host:port", "unix:/path", "ipv4:..."/"ipv6:..." (one worker
//    each), or "dns:///name:port": every address the name resolves to is a
//    worker, and the name is resolved again every `resolve_interval` (how a
//    Kubernetes headless service lists its pods).
//  * Credentials (common/security.h): TLS, mutual TLS and a bearer token,
//    the same for every worker. A worker that refuses them
//    (UNAUTHENTICATED, PERMISSION_DENIED) is a configuration error, not a
//    failing shard: it gets no more work, and once every worker has refused,
//    the remaining shards fail with the worker's message.
//  * The same worker set serves single forwarded calls (the Annotator API
//    of qalam-coordinator): PickWorker() / ReportUnavailable().
//
// Thread-safety: all public methods are thread-safe. Shard callbacks run on
// gRPC or dispatcher threads and must not block for long.
#ifndef QALAM_COORDINATOR_DISPATCHER_H_
#define QALAM_COORDINATOR_DISPATCHER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/security.h"
#include "coordinator/encoded_batch.h"
#include "google/protobuf/arena.h"
#include "grpcpp/grpcpp.h"
#include "qalam/v1/worker.pb.h"

namespace qalam {

struct DispatcherOptions {
  // Worker targets (see above). At least one.
  std::vector<std::string> targets;
  // Credentials towards the workers (common/security.h); the default is
  // plaintext without a token (loopback, unix sockets, or a trusted network).
  // For workers found through a dns: target, TLS verifies the DNS name
  // (unless security.tls_server_name says otherwise).
  ClientSecurityOptions security;
  int max_in_flight_per_worker = 3;
  // Deadline of one ProcessBatch call: max(call_timeout, bytes at
  // min_bytes_per_second).
  absl::Duration call_timeout = absl::Seconds(60);
  double min_bytes_per_second = 1 << 20;
  absl::Duration health_interval = absl::Milliseconds(500);
  absl::Duration health_timeout = absl::Seconds(2);
  absl::Duration resolve_interval = absl::Seconds(10);
  // Backoff of a retried shard: initial * 2^(failures-1), at most max.
  absl::Duration retry_backoff_initial = absl::Milliseconds(50);
  absl::Duration retry_backoff_max = absl::Seconds(5);
  // A worker with this many failed calls in a row is quarantined for
  // quarantine_initial * 2^(extra failures), at most quarantine_max.
  int quarantine_after_failures = 2;
  absl::Duration quarantine_initial = absl::Milliseconds(500);
  absl::Duration quarantine_max = absl::Seconds(30);
  // Isolated failures of a single record that make it a poison article.
  int poison_failures = 2;
  // Fail the remaining work when no worker has been usable for this long.
  absl::Duration no_worker_timeout = absl::Seconds(120);
};

// One shard: a request and, once done, one result per record of it.
struct DispatchShard {
  // The request, in wire format (coordinator/encoded_batch.h). Immutable
  // once submitted; calls send ranges of it without copying.
  std::shared_ptr<const EncodedBatch> batch;
  // Filled by the dispatcher: results[i] is the outcome of record i
  // (result_json or error; stats when asked for). The messages live in
  // `storage` (the arenas the workers' responses were parsed into), so they
  // are valid as long as this shard.
  std::vector<const v1::RecordResult*> results;
  std::vector<std::unique_ptr<google::protobuf::Arena>> storage;
  // Indices of the records isolated as poison articles (their results hold
  // the dispatcher's error, which cannot name the article).
  std::vector<int> poisoned;
  // Called once, when every record has an outcome, or with a non-OK status
  // when the dispatcher gives up on the shard (shut down, or no worker for
  // no_worker_timeout). May run on any dispatcher or gRPC thread.
  std::function<void(DispatchShard*, absl::Status)> on_done;
};

// Counters for progress reports, monotonic except workers_*.
struct DispatcherStats {
  int workers_total = 0;
  int workers_alive = 0;  // healthy and not quarantined
  uint64_t calls = 0;
  uint64_t calls_failed = 0;
  uint64_t shards_retried = 0;
  uint64_t shard_splits = 0;
  uint64_t poison_records = 0;
};

class Dispatcher {
 public:
  // Creates the channels and starts the dispatcher and health threads.
  // InvalidArgument for an empty or malformed target list.
  static absl::StatusOr<std::unique_ptr<Dispatcher>> Create(DispatcherOptions options);

  // Stops: shards not done yet get on_done(CANCELLED); waits for in-flight
  // calls to end (they are cancelled).
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Queues `shard` for processing. Never blocks: the caller bounds how many
  // shards it has outstanding.
  void Submit(std::shared_ptr<DispatchShard> shard);

  // A worker to forward one call to (the Annotator API).
  struct WorkerChannel {
    int id = -1;          // for ReportUnavailable() and `exclude`
    std::string address;  // for messages
    std::shared_ptr<grpc::Channel> channel;
  };
  // A healthy, usable worker, round robin, other than those whose ids are in
  // `exclude`. Unavailable (naming the targets) when there is none.
  absl::StatusOr<WorkerChannel> PickWorker(const std::vector<int>& exclude = {});

  // Tells the dispatcher that a forwarded call could not reach worker `id`
  // (UNAVAILABLE): it gets no new calls until its health check passes again.
  void ReportUnavailable(int id);

  // Blocks until at least one worker is healthy or `timeout` passes.
  // Returns whether one is.
  bool WaitForHealthyWorker(absl::Duration timeout);

  DispatcherStats Stats() const;

 private:
  struct Endpoint;
  struct Task;
  struct Call;

  explicit Dispatcher(DispatcherOptions options);

  void Loop();  // the dispatcher thread
  // The addresses of each dns: target (may block; call without the lock),
  // then their application to endpoints_ (new ones added, missing ones
  // drained).
  using Resolution = std::vector<std::pair<std::string, absl::StatusOr<std::vector<std::string>>>>;
  static Resolution ResolveAll(const std::vector<std::string>& targets);
  void ApplyResolution(const Resolution& resolution, bool initial)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddEndpoint(const std::string& address, const std::string& origin)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StartHealthChecks() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnHealth(Endpoint* ep, bool serving, bool not_found);
  // Assigns ready tasks to workers; returns the calls to start outside the
  // lock.
  std::vector<Call*> Schedule(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Endpoint* PickFor(const Task& task, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Fails every pending shard when every listed worker refused our
  // credentials.
  void CheckAllRefused() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Usable(const Endpoint& ep, absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StartCall(Call* call);
  void OnCallDone(Call* call, const grpc::Status& status);
  void Fail(std::unique_ptr<Task> task, Endpoint* ep, const absl::Status& status, bool isolated)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records `result` as the outcome of record `index` of the task's shard,
  // if the shard is still pending (it may have been given up on).
  void Resolve(Task* task, int index, const v1::RecordResult* result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FailAllPending(const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  using DoneList = std::vector<std::pair<std::shared_ptr<DispatchShard>, absl::Status>>;
  static void RunDone(DoneList done);

  struct PendingShard {
    std::shared_ptr<DispatchShard> shard;
    int remaining = 0;  // records without an outcome yet
  };

  const DispatcherOptions options_;
  grpc::ChannelArguments channel_args_;

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Task>> ready_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<DispatchShard*, PendingShard> pending_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<Call*> calls_ ABSL_GUARDED_BY(mu_);
  // Shards finished under the lock, whose on_done runs after it is released.
  DoneList done_ ABSL_GUARDED_BY(mu_);
  int calls_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int health_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  size_t rr_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_usable_ ABSL_GUARDED_BY(mu_);
  absl::Time next_health_ ABSL_GUARDED_BY(mu_);
  absl::Time next_resolve_ ABSL_GUARDED_BY(mu_);
  DispatcherStats stats_ ABSL_GUARDED_BY(mu_);

  std::thread thread_;
};

}  // namespace qalam

#endif  // QALAM_COORDINATOR_DISPATCHER_H_
