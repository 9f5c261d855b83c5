#include "common/thread_pool.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace qalam {
namespace {

// Which pool (if any) the current thread belongs to, and its index there.
struct PoolThreadId {
  const ThreadPool* pool = nullptr;
  int index = -1;
};
thread_local PoolThreadId tls_pool_thread;

}  // namespace

int AvailableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

ThreadPool::ThreadPool(const Options& options)
    : max_queued_(options.max_queued > 0
                      ? options.max_queued
                      : 16 * static_cast<size_t>(options.num_threads > 0 ? options.num_threads
                                                                         : AvailableCores())) {
  int n = options.num_threads > 0 ? options.num_threads : AvailableCores();
  std::string name = options.name.substr(0, 11);
  threads_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([this, i] { Run(i); });
    // Linux limits thread names to 15 characters plus the terminator.
    std::string thread_name = absl::StrCat(name, "-", i).substr(0, 15);
    pthread_setname_np(threads_.back().native_handle(), thread_name.c_str());
  }
}

ThreadPool::~ThreadPool() { Shutdown(); }

absl::Status ThreadPool::TrySchedule(absl::AnyInvocable<void()> task) {
  absl::MutexLock l(&mu_);
  if (stopping_) return absl::UnavailableError("thread pool is shutting down");
  if (queue_.size() >= max_queued_) {
    return absl::ResourceExhaustedError(absl::StrCat("overloaded: ", queue_.size(),
                                                     " tasks already queued for ", threads_.size(),
                                                     " threads; retry later"));
  }
  queue_.push_back(std::move(task));
  return absl::OkStatus();
}

void ThreadPool::Shutdown() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  absl::MutexLock l(&join_mu_);
  if (joined_) return;
  for (std::thread& t : threads_) t.join();
  joined_ = true;
}

size_t ThreadPool::queued() const {
  absl::MutexLock l(&mu_);
  return queue_.size();
}

int ThreadPool::CurrentThreadIndex() const {
  return tls_pool_thread.pool == this ? tls_pool_thread.index : -1;
}

void ThreadPool::Run(int index) {
  tls_pool_thread.pool = this;
  tls_pool_thread.index = index;
  while (true) {
    absl::AnyInvocable<void()> task;
    {
      mu_.LockWhen(absl::Condition(this, &ThreadPool::HasWorkOrStopping));
      if (queue_.empty()) {  // stopping, and nothing left to run
        mu_.Unlock();
        break;
      }
      task = std::move(queue_.front());
      queue_.pop_front();
      mu_.Unlock();
    }
    task();
  }
  tls_pool_thread = PoolThreadId();
}

}  // namespace qalam
