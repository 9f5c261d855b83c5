// WorkerProcess: runs a real server binary (qalam-worker) as a child process
// for tests and benchmarks, finds the address it listens on from its
// "... listening on ADDR" stderr line, and cleans up: the destructor kills
// (SIGKILL) and reaps a child that is still running, and the child is also
// killed if the parent dies (PR_SET_PDEATHSIG), so no test leaks processes.
//
// The child's stderr is read continuously by a thread (so the child never
// blocks on a full pipe) and kept for inspection.
//
// Thread-safety: safe for concurrent use.
#ifndef QALAM_TESTS_TESTING_WORKER_PROCESS_H_
#define QALAM_TESTS_TESTING_WORKER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace qalam_testing {

class WorkerProcess {
 public:
  // Starts `binary` with `args` (not including argv[0]) and waits until it
  // prints a line containing "listening on ADDR". Returns the process, or
  // Internal if it could not be started, Unavailable (with its stderr) if it
  // exited first, DeadlineExceeded if `timeout` passed first.
  static absl::StatusOr<std::unique_ptr<WorkerProcess>> Start(
      const std::string& binary, const std::vector<std::string>& args,
      absl::Duration timeout = absl::Seconds(60));

  // Kills (SIGKILL) and reaps the child if it is still running.
  ~WorkerProcess();

  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // What followed "listening on " ("127.0.0.1:41234", "unix:/tmp/w.sock").
  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }

  // Sends `sig` to the child. FailedPrecondition if it has been reaped.
  absl::Status Signal(int sig);

  // Waits for the child to exit and returns its exit status, or 128 + the
  // signal that killed it. DeadlineExceeded if it runs past `timeout`.
  absl::StatusOr<int> WaitForExit(absl::Duration timeout);

  // Blocks until the child's stderr contains `needle`; false on timeout or
  // when stderr closed without it.
  bool WaitForStderr(absl::string_view needle, absl::Duration timeout);

  // Everything the child wrote to stderr so far.
  std::string StderrText() const;

  // The resident set size of the child now (VmRSS in /proc/PID/status), in
  // KiB. NotFound when it cannot be read.
  absl::StatusOr<int64_t> RssKib() const;

 private:
  WorkerProcess(pid_t pid, int stderr_fd);
  void ReadStderr();

  const pid_t pid_;
  const int stderr_fd_;
  std::string address_;
  std::thread reader_;

  mutable absl::Mutex mu_;
  std::string stderr_ ABSL_GUARDED_BY(mu_);
  bool stderr_eof_ ABSL_GUARDED_BY(mu_) = false;
  bool reaped_ ABSL_GUARDED_BY(mu_) = false;
  int exit_status_ ABSL_GUARDED_BY(mu_) = -1;
};

}  // namespace qalam_testing

#endif  // QALAM_TESTS_TESTING_WORKER_PROCESS_H_
