#include "common/thread_pool.h"

#include <atomic>
#include <set>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace qalam {
namespace {

using ::qalam_testing::IsOk;
using ::qalam_testing::StatusIs;

ThreadPool::Options PoolOptions(int threads, size_t max_queued) {
  ThreadPool::Options o;
  o.num_threads = threads;
  o.max_queued = max_queued;
  return o;
}

TEST(ThreadPool, RunsEveryTaskExactlyOnce) {
  std::atomic<int> sum{0};
  {
    ThreadPool pool(PoolOptions(3, 1000));
    for (int i = 1; i <= 100; ++i) {
      ASSERT_THAT(pool.TrySchedule([&sum, i] { sum += i; }), IsOk());
    }
  }  // the destructor runs what is queued
  EXPECT_EQ(sum.load(), 5050);
}

TEST(ThreadPool, DefaultsToOneThreadPerCoreAndSixteenQueuedPerThread) {
  ThreadPool pool(ThreadPool::Options{});
  EXPECT_EQ(pool.num_threads(), AvailableCores());
  EXPECT_EQ(pool.max_queued(), 16u * static_cast<size_t>(AvailableCores()));
}

TEST(ThreadPool, RefusesWithResourceExhaustedWhenTheQueueIsFull) {
  ThreadPool pool(PoolOptions(1, 2));
  absl::Notification started, release;
  ASSERT_THAT(pool.TrySchedule([&] {
    started.Notify();
    release.WaitForNotification();
  }),
              IsOk());
  started.WaitForNotification();  // the only thread is busy; the queue is empty
  EXPECT_THAT(pool.TrySchedule([] {}), IsOk());
  EXPECT_THAT(pool.TrySchedule([] {}), IsOk());
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_THAT(pool.TrySchedule([] {}), StatusIs(absl::StatusCode::kResourceExhausted));
  release.Notify();
}

TEST(ThreadPool, ThreadIndicesAreStableAndDistinct) {
  ThreadPool pool(PoolOptions(4, 100));
  EXPECT_EQ(pool.CurrentThreadIndex(), -1);  // not a pool thread
  absl::Mutex mu;
  std::set<int> seen;
  int arrived = 0;
  // Four tasks that wait for each other must be on four different threads.
  for (int i = 0; i < 4; ++i) {
    ASSERT_THAT(pool.TrySchedule([&] {
      absl::MutexLock l(&mu);
      seen.insert(pool.CurrentThreadIndex());
      ++arrived;
      mu.Await(absl::Condition(
          +[](int* n) { return *n == 4; }, &arrived));
    }),
                IsOk());
  }
  pool.Shutdown();
  EXPECT_THAT(seen, ::testing::ElementsAre(0, 1, 2, 3));
}

TEST(ThreadPool, ShutdownRunsQueuedTasksThenRefusesNewOnes) {
  ThreadPool pool(PoolOptions(1, 10));
  std::atomic<int> ran{0};
  for (int i = 0; i < 5; ++i) ASSERT_THAT(pool.TrySchedule([&] { ++ran; }), IsOk());
  pool.Shutdown();
  EXPECT_EQ(ran.load(), 5);
  EXPECT_THAT(pool.TrySchedule([] {}), StatusIs(absl::StatusCode::kUnavailable));
  pool.Shutdown();  // idempotent
}

TEST(ThreadPool, AcceptsMoveOnlyTasks) {
  ThreadPool pool(PoolOptions(1, 10));
  auto value = std::make_unique<int>(7);
  std::atomic<int> got{0};
  ASSERT_THAT(pool.TrySchedule([v = std::move(value), &got] { got = *v; }), IsOk());
  pool.Shutdown();
  EXPECT_EQ(got.load(), 7);
}

}  // namespace
}  // namespace qalam
