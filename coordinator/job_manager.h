// JobManager: the corpus jobs of qalam-coordinator (qalam.v1.Coordinator).
// Each job runs RunJob on its own thread, all jobs sharing one Dispatcher
// (so one set of worker channels, health checks and in-flight limits).
//
// Jobs live in memory; their output folders are durable, so a job whose
// coordinator died is finished by starting it again with resume = true.
//
// Thread-safe.
#ifndef QALAM_COORDINATOR_JOB_MANAGER_H_
#define QALAM_COORDINATOR_JOB_MANAGER_H_

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "coordinator/dispatcher.h"
#include "coordinator/job.h"
#include "qalam/v1/coordinator.pb.h"

namespace qalam {

class JobManager {
 public:
  // `dispatcher` must outlive this object; `workers` is reported in
  // report.json.
  JobManager(Dispatcher* dispatcher, int workers);
  // Cancels the running jobs and waits for them (what they committed stays
  // on disk, resumable).
  ~JobManager();
  JobManager(const JobManager&) = delete;
  JobManager& operator=(const JobManager&) = delete;

  // Validates and starts a job; returns its state (RUNNING). InvalidArgument
  // for a request without inputs or output folder or with bad options;
  // FailedPrecondition when a running job writes to the same folder.
  absl::StatusOr<v1::Job> Start(const v1::StartJobRequest& request);
  // NotFound for an unknown id.
  absl::StatusOr<v1::Job> Get(const std::string& job_id) const;
  // Asks the job to stop; returns its state (it becomes CANCELLED shortly).
  absl::StatusOr<v1::Job> Cancel(const std::string& job_id);
  std::vector<v1::Job> List() const;

  static bool IsTerminal(v1::JobState s) {
    return s == v1::SUCCEEDED || s == v1::FAILED || s == v1::CANCELLED;
  }

 private:
  struct Entry {
    v1::StartJobRequest request;
    JobMonitor monitor;
    v1::JobState state = v1::QUEUED;
    std::string error;
    std::string report;
    double started_at = 0;
    double finished_at = 0;
    std::thread thread;
  };
  v1::Job Snapshot(const std::string& id, const Entry& e) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  Dispatcher* const dispatcher_;
  const int workers_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>> jobs_ ABSL_GUARDED_BY(mu_);
  int next_id_ ABSL_GUARDED_BY(mu_) = 1;
};

// Converts the API's JobOptions to the workers' BatchOptions (defaults for
// empty fields). InvalidArgument for out-of-range K or N.
absl::Status JobOptionsToSpec(const v1::StartJobRequest& request, JobSpec* spec);

}  // namespace qalam

#endif  // QALAM_COORDINATOR_JOB_MANAGER_H_
