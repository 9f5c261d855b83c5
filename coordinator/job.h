// A corpus job: read the inputs, cut them into shards, have the workers
// process them through a Dispatcher, and commit the results in input order
// to an OutputStore; then write report.json. Shared by `qalam run` and
// qalam-coordinator's StartJob.
//
//   reader (the calling thread) --shards--> Dispatcher --done--> reorder
//   buffer --in order--> writer thread --> OutputStore (checkpointed)
//
// The coordinator parses no JSON on this path: records travel as the raw
// bytes of their line and come back as the result line the worker rendered.
// Memory is bounded by `window_shards` shards, whatever the corpus size: the
// reader waits when the oldest unfinished shard holds the merge up.
//
// RunJob is thread-safe in the sense that different jobs may run at once
// on one Dispatcher; a JobMonitor is shared between the job and its
// observers (all members are atomics).
#ifndef QALAM_COORDINATOR_JOB_H_
#define QALAM_COORDINATOR_JOB_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "coordinator/dispatcher.h"
#include "qalam/v1/worker.pb.h"

namespace qalam {

struct JobSpec {
  std::vector<std::string> inputs;  // as for InputReader::Open
  std::string output_dir;
  // How the workers read and what they compute (json_results and
  // record_stats are set by RunJob).
  v1::BatchOptions batch;
  // Process only positions p with p % slice_count == slice_index.
  int slice_index = 0;
  int slice_count = 1;
  bool resume = false;
  // Shards: at most this many records or bytes (a larger record goes alone).
  // shard_bytes 0: chosen from the inputs' size (ShardBytesFor).
  int shard_records = 1000;
  size_t shard_bytes = 0;
  // Shards submitted but not committed; 0 = 8 per worker target, at least 16.
  int window_shards = 0;
  // Commit (fsync + checkpoint) at least this often.
  double commit_seconds = 1.0;
  // For report.json's timing.
  int workers = 0;
};

// The shard size RunJob uses when JobSpec::shard_bytes is 0, for inputs of
// `input_bytes` (the job's slice's share of the files' sizes: compressed
// sizes for .gz and .zst; 0 when unknown, as for stdin) and `workers`
// workers: a
// quarter of each worker's share, so that a small job still keeps every
// worker busy, between 64 KiB and 2 MiB (larger shards cost less per
// article, but the coordinator holds a window of them in memory).
size_t ShardBytesFor(uint64_t input_bytes, int workers);

// Parses "i/N" (0 <= i < N). InvalidArgument otherwise.
absl::Status ParseSlice(const std::string& text, int* index, int* count);

// The canonical text that identifies a job: inputs (with size and mtime),
// the options that change results, and the slice. Resuming requires the
// same text. NotFound when an input does not exist.
absl::StatusOr<std::string> JobIdentity(const JobSpec& spec);

// Progress of a running job, updated by the job, read by anyone.
struct JobMonitor {
  std::atomic<uint64_t> articles_read{0};       // in this job's slice, this run
  std::atomic<uint64_t> articles_processed{0};  // committed results, all runs
  std::atomic<uint64_t> articles_failed{0};     // committed errors, all runs
  std::atomic<uint64_t> articles_skipped{0};    // done by an earlier run
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> bytes_total{0};
  std::atomic<uint64_t> shards_done{0};
  std::atomic<bool> cancel{false};  // set to stop the job
};

struct JobResult {
  uint64_t articles_in = 0;
  uint64_t processed = 0;
  uint64_t failed = 0;
  uint64_t resumed_from = 0;  // input positions done by earlier runs
  double seconds = 0;         // this run
  std::string report_json;
  bool already_complete = false;
};

// Runs the job to its end on `dispatcher`. Errors: the inputs or the output
// folder cannot be used (NotFound, FailedPrecondition, PermissionDenied),
// writing failed (DataLoss), no worker could process a shard (Unavailable),
// or monitor->cancel was set (Cancelled). In every case what was committed
// stays on disk and the job can be resumed.
absl::StatusOr<JobResult> RunJob(const JobSpec& spec, Dispatcher* dispatcher, JobMonitor* monitor);

}  // namespace qalam

#endif  // QALAM_COORDINATOR_JOB_H_
