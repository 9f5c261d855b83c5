// Graceful shutdown building blocks for qalam's servers.
//
// TerminationSignals turns SIGTERM and SIGINT into an event that an ordinary
// thread waits for. The signal handler only write(2)s the signal number to a
// self-pipe (async-signal-safe); the waiting thread does the real work
// (health NOT_SERVING, server shutdown, draining), which must never run in a
// signal handler.
//
//   auto signals = TerminationSignals::Install();   // in main(), early
//   std::thread drain([&] { (*signals)->Wait(); server->Shutdown(grace); });
//
// InflightCalls counts the calls a server is working on, refuses new ones
// once draining has begun, and lets the shutdown path wait (with a deadline)
// until the last one has finished.
//
// Thread-safety: both classes are safe for concurrent use.
#ifndef QALAM_COMMON_SHUTDOWN_H_
#define QALAM_COMMON_SHUTDOWN_H_

#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace qalam {

// Flushes every stdio stream and ends the process with `code` at once,
// without static destructors or atexit handlers. qalam's binaries leave
// main() through this once their work is done and their files are closed:
// with Debian's gRPC 1.51, the destructor of the last gRPC object runs
// grpc_shutdown(), which joins an executor thread that may be blocked in
// epoll_wait for up to ten seconds. Measured: about one qalam-worker exit in
// ten after a SIGTERM with a client still connected took 5-10 s (`qalam run`
// then killed it after its 5 s grace), and the run took 5 s longer.
[[noreturn]] void ExitProcess(int code);

class TerminationSignals {
 public:
  // Installs handlers for SIGTERM and SIGINT (replacing the previous ones
  // until this object is destroyed). At most one instance may exist at a
  // time: FailedPrecondition otherwise; Internal if pipe(2) or sigaction(2)
  // fails.
  static absl::StatusOr<std::unique_ptr<TerminationSignals>> Install();

  // Restores the previous handlers and closes the pipe.
  // REQUIRES: no thread is blocked in Wait().
  ~TerminationSignals();

  TerminationSignals(const TerminationSignals&) = delete;
  TerminationSignals& operator=(const TerminationSignals&) = delete;

  // Blocks until a signal arrives (or Notify() is called) and returns the
  // signal number (0 for Notify()). Each signal is returned once: a second
  // SIGTERM wakes a second Wait().
  int Wait();

  // Wakes one Wait() as a signal would, with 0. Async-signal-safe.
  void Notify();

 private:
  TerminationSignals(int read_fd, int write_fd);
  int read_fd_;
  int write_fd_;
};

class InflightCalls {
 public:
  InflightCalls() = default;
  InflightCalls(const InflightCalls&) = delete;
  InflightCalls& operator=(const InflightCalls&) = delete;

  // Registers a new call. Returns false, registering nothing, once
  // StartDraining() has been called: the caller then refuses the call
  // (UNAVAILABLE, so that clients retry elsewhere).
  bool TryEnter();

  // Unregisters a call registered by a successful TryEnter().
  void Exit();

  // From now on TryEnter() fails. Idempotent.
  void StartDraining();
  bool draining() const;

  // Blocks until no call is registered or `deadline` passes. Returns true
  // when the count reached zero.
  bool WaitIdle(absl::Time deadline);

  int64_t count() const;

 private:
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return count_ == 0; }

  mutable absl::Mutex mu_;
  int64_t count_ ABSL_GUARDED_BY(mu_) = 0;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace qalam

#endif  // QALAM_COMMON_SHUTDOWN_H_
