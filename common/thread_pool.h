// ThreadPool: a fixed set of threads running tasks from a bounded FIFO queue.
//
// Servers post CPU work here (tokenising, annotating) so that gRPC reactions
// stay fast. The queue is bounded on purpose: when it is full, TrySchedule
// refuses the task with RESOURCE_EXHAUSTED and the caller answers its client
// with that status, instead of letting work (and the requests it holds)
// pile up without bound.
//
//   ThreadPool pool(ThreadPool::Options{});      // one thread per core
//   absl::Status s = pool.TrySchedule([&] { Work(pool.CurrentThreadIndex()); });
//   if (!s.ok()) Reject(s);                      // overloaded or shut down
//
// Each pool thread has a stable index in [0, num_threads()), so callers can
// keep per-thread scratch memory in a vector indexed by CurrentThreadIndex().
//
// Thread-safety: every method is safe to call concurrently, except that
// Shutdown() and the destructor must not be called from a pool thread.
#ifndef QALAM_COMMON_THREAD_POOL_H_
#define QALAM_COMMON_THREAD_POOL_H_

#include <cstddef>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace qalam {

// The number of CPUs this process may run on (its affinity mask, so a
// container's cpuset is honoured); at least 1.
int AvailableCores();

class ThreadPool {
 public:
  struct Options {
    // Number of threads; 0 means AvailableCores().
    int num_threads = 0;
    // Maximum number of tasks waiting for a thread (tasks being run do not
    // count). 0 means 16 per thread.
    size_t max_queued = 0;
    // Prefix of the threads' names (as shown by top -H), at most 11 chars.
    std::string name = "qalam-pool";
  };

  // Starts the threads.
  explicit ThreadPool(const Options& options);

  // Shutdown(): runs the tasks already queued, then joins the threads.
  ~ThreadPool();

  // Heavy and identity-bearing (threads hold `this`): neither copyable nor
  // movable.
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `task` to run on a pool thread. Returns:
  //   OK                  the task will run exactly once;
  //   RESOURCE_EXHAUSTED  the queue holds max_queued tasks already;
  //   UNAVAILABLE         Shutdown() has begun.
  // On error the task is destroyed without running. Never blocks on other
  // tasks, so it is safe to call from a gRPC reaction.
  absl::Status TrySchedule(absl::AnyInvocable<void()> task);

  // Stops accepting tasks, runs every task already queued, and joins the
  // threads. Idempotent; concurrent calls all wait for the threads to exit.
  // REQUIRES: not called from a pool thread (it would wait for itself).
  void Shutdown();

  int num_threads() const { return static_cast<int>(threads_.size()); }
  size_t max_queued() const { return max_queued_; }

  // Tasks queued and not yet started.
  size_t queued() const;

  // The index in [0, num_threads()) of the calling thread when it is one of
  // this pool's threads, else -1.
  int CurrentThreadIndex() const;

 private:
  void Run(int index);
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !queue_.empty();
  }

  const size_t max_queued_;
  std::vector<std::thread> threads_;

  mutable absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Serialises joining, so that concurrent Shutdown() calls all return after
  // the threads have exited.
  absl::Mutex join_mu_;
  bool joined_ ABSL_GUARDED_BY(join_mu_) = false;
};

}  // namespace qalam

#endif  // QALAM_COMMON_THREAD_POOL_H_
