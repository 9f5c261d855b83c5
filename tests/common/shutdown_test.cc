#include "common/shutdown.h"

#include <signal.h>

#include <thread>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace qalam {
namespace {

using ::qalam_testing::StatusIs;

TEST(TerminationSignals, TurnsSigtermIntoAWakeUp) {
  auto signals = TerminationSignals::Install();
  ASSERT_TRUE(signals.ok()) << signals.status();
  // Only one instance at a time: the handler has a single pipe.
  EXPECT_THAT(TerminationSignals::Install(), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_EQ(raise(SIGTERM), 0);  // handled: the test process lives on
  EXPECT_EQ((*signals)->Wait(), SIGTERM);
  ASSERT_EQ(raise(SIGINT), 0);
  EXPECT_EQ((*signals)->Wait(), SIGINT);
  (*signals)->Notify();
  EXPECT_EQ((*signals)->Wait(), 0);
}

TEST(TerminationSignals, CanBeInstalledAgainAfterDestruction) {
  { ASSERT_TRUE(TerminationSignals::Install().ok()); }
  auto again = TerminationSignals::Install();
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST(InflightCalls, CountsAndRefusesOnceDraining) {
  InflightCalls calls;
  ASSERT_TRUE(calls.TryEnter());
  ASSERT_TRUE(calls.TryEnter());
  EXPECT_EQ(calls.count(), 2);
  calls.StartDraining();
  EXPECT_TRUE(calls.draining());
  EXPECT_FALSE(calls.TryEnter());
  EXPECT_FALSE(calls.WaitIdle(absl::Now()));  // two still in flight
  calls.Exit();
  std::thread last([&] { calls.Exit(); });
  EXPECT_TRUE(calls.WaitIdle(absl::InfiniteFuture()));
  last.join();
  EXPECT_EQ(calls.count(), 0);
}

}  // namespace
}  // namespace qalam
