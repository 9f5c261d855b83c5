// LocalWorkers with real child processes: the real qalam-worker, and
// binaries that exit at once or never listen.
#include "coordinator/local_workers.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace qalam {
namespace {

// What a client sees: true when the socket of `target` ("unix:/path")
// accepts a connection.
bool Connects(const std::string& target) {
  const std::string path = target.substr(5);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return false;
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

std::unique_ptr<LocalWorkers> StartOrDie(LocalWorkersOptions options) {
  auto w = LocalWorkers::Start(std::move(options));
  EXPECT_TRUE(w.ok()) << w.status();
  return w.ok() ? std::move(w).value() : nullptr;
}

TEST(LocalWorkersTest, WaitUntilListeningReturnsOnceEveryWorkerAcceptsConnections) {
  LocalWorkersOptions options;
  options.binary = QALAM_WORKER_BIN;
  options.count = 2;
  options.extra_args = {"--threads=1"};
  std::unique_ptr<LocalWorkers> w = StartOrDie(options);
  ASSERT_NE(w, nullptr);
  // Right after the fork the workers are still loading their models.
  EXPECT_EQ(w->WaitUntilListening(absl::Seconds(60)), 2);
  for (const std::string& t : w->targets()) EXPECT_TRUE(Connects(t)) << t;
  const std::vector<pid_t> pids = w->pids();
  w->Stop();
  // Stop() ended and reaped them: their pids are gone.
  for (pid_t p : pids) {
    ASSERT_GT(p, 0);
    EXPECT_EQ(::kill(p, 0), -1) << p;
    EXPECT_EQ(errno, ESRCH) << p;
  }
}

TEST(LocalWorkersTest, WaitUntilListeningWaitsOnlyAGraceForTheRestOnceOneListens) {
  // One real worker and one that lives but never listens: once the first
  // listens, the wait ends after the grace, not at the deadline.
  char tmpl[] = QALAM_BINARY_DIR "/qlw-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string script = std::string(tmpl) + "/worker-or-not";
  {
    FILE* f = std::fopen(script.c_str(), "w");
    ASSERT_NE(f, nullptr);
    // Worker 0 (its socket is .../w0.sock) is the real one.
    std::fprintf(f, "#!/bin/sh\ncase \"$2\" in *w0.sock) exec %s \"$@\";; esac\nexec sleep 60\n",
                 QALAM_WORKER_BIN);
    std::fclose(f);
    ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
  }
  LocalWorkersOptions options;
  options.binary = script;
  options.count = 2;
  options.extra_args = {"--threads=1"};
  std::unique_ptr<LocalWorkers> w = StartOrDie(options);
  ASSERT_NE(w, nullptr);
  const absl::Time start = absl::Now();
  EXPECT_EQ(w->WaitUntilListening(absl::Seconds(120), absl::Milliseconds(300)), 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(60));
  EXPECT_TRUE(Connects(w->targets()[0]));
  w->Stop();
  ::unlink(script.c_str());
  ::rmdir(tmpl);
}

TEST(LocalWorkersTest, WaitUntilListeningDoesNotWaitForAWorkerThatExited) {
  LocalWorkersOptions options;
  options.binary = "/bin/false";  // exits at once, whatever its arguments
  options.count = 2;
  options.max_restarts = 0;
  std::unique_ptr<LocalWorkers> w = StartOrDie(options);
  ASSERT_NE(w, nullptr);
  const absl::Time start = absl::Now();
  EXPECT_EQ(w->WaitUntilListening(absl::Seconds(60)), 0);
  // It returns when the children are gone (the supervisor reaps them within
  // tens of milliseconds), not at the deadline.
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
}

TEST(LocalWorkersTest, WaitUntilListeningGivesUpAtItsDeadline) {
  LocalWorkersOptions options;
  // A worker that lives but never listens: sh sleeping, its arguments ignored.
  // Under the build tree, not /tmp, which may be mounted noexec.
  char tmpl[] = QALAM_BINARY_DIR "/qlw-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string script = std::string(tmpl) + "/never-listens";
  {
    FILE* f = std::fopen(script.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("#!/bin/sh\nexec sleep 60\n", f);
    std::fclose(f);
    ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
  }
  options.binary = script;
  options.count = 1;
  std::unique_ptr<LocalWorkers> w = StartOrDie(options);
  ASSERT_NE(w, nullptr);
  const absl::Time start = absl::Now();
  EXPECT_EQ(w->WaitUntilListening(absl::Milliseconds(300)), 0);
  const absl::Duration waited = absl::Now() - start;
  EXPECT_GE(waited, absl::Milliseconds(300));
  EXPECT_LT(waited, absl::Seconds(30));
  w->Stop();  // SIGTERM ends the sleep
  ::unlink(script.c_str());
  ::rmdir(tmpl);
}

}  // namespace
}  // namespace qalam
