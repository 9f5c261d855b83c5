// LocalWorkers: N qalam-worker child processes for `qalam run` without
// --connect, each serving on its own unix socket in a private temporary
// folder.
//
// They never outlive the coordinator: each child sets PR_SET_PDEATHSIG
// (SIGKILL) right after fork and then checks that its parent is still the
// one that forked it (the parent may have died before the prctl). The
// signal is tied to the thread that forked, so all forks happen on the
// supervisor thread, which lives until Stop(). A child that exits while the
// job runs (a crash, an article that kills it) is restarted on the same
// socket, with a backoff.
//
// Thread-safe: all methods may be called from any thread.
#ifndef QALAM_COORDINATOR_LOCAL_WORKERS_H_
#define QALAM_COORDINATOR_LOCAL_WORKERS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace qalam {

struct LocalWorkersOptions {
  std::string binary;  // path of the worker executable
  int count = 1;
  std::vector<std::string> extra_args;  // appended after --listen ADDR
  int max_restarts = 1000;              // in total, then a dead worker stays dead
};

class LocalWorkers {
 public:
  // Starts the children. InvalidArgument when the binary is not executable;
  // Internal when the socket folder cannot be made.
  static absl::StatusOr<std::unique_ptr<LocalWorkers>> Start(LocalWorkersOptions options);

  // Stops the children (SIGTERM, then SIGKILL after a grace period) and
  // removes the socket folder.
  ~LocalWorkers();
  LocalWorkers(const LocalWorkers&) = delete;
  LocalWorkers& operator=(const LocalWorkers&) = delete;

  // "unix:/tmp/qalam-XXXX/w0.sock", ... one per worker.
  const std::vector<std::string>& targets() const { return targets_; }
  // Waits until every child accepts connections on its socket (it does once
  // its models are loaded) or has exited, but no longer than `grace` after
  // the first one accepts them (a slow worker joins the job later) and no
  // longer than `timeout` in all; returns how many accept them. Call it
  // before connecting: a gRPC channel that finds no socket backs off (100
  // ms, then 160 ms, ...) before it tries again, and that wait, not the
  // workers, was most of a small job's wall time.
  int WaitUntilListening(absl::Duration timeout, absl::Duration grace = absl::Milliseconds(200));

  // Process ids of the running children (0 for one being restarted).
  std::vector<pid_t> pids() const;
  int restarts() const;

  void Stop();

 private:
  explicit LocalWorkers(LocalWorkersOptions options);
  void Supervise();
  pid_t Spawn(int i);  // on the supervisor thread only

  const LocalWorkersOptions options_;
  std::string dir_;
  std::vector<std::string> targets_;
  std::vector<std::string> sockets_;

  mutable absl::Mutex mu_;
  std::vector<pid_t> pids_ ABSL_GUARDED_BY(mu_);
  int restarts_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status start_status_ ABSL_GUARDED_BY(mu_);
  std::thread supervisor_;
};

// The qalam-worker binary to start by default: $QALAM_WORKER_BINARY if set,
// else "qalam-worker" next to the running executable, else in ../workers/
// of it (the build tree), else "qalam-worker" on the PATH.
std::string DefaultWorkerBinary();

}  // namespace qalam

#endif  // QALAM_COORDINATOR_LOCAL_WORKERS_H_
