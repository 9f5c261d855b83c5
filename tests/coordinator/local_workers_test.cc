// LocalWorkers with real child processes: the real qalam-worker, and
// binaries that exit at once or never listen.
#include "coordinator/local_workers.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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

// A folder for scripts under the build tree (not /tmp, which may be mounted
// noexec), removed after each test, and the workers' start.
class LocalWorkersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = QALAM_BINARY_DIR "/qlw-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // An executable shell script `body` (after "#!/bin/sh"); returns its path.
  std::string WriteScript(const std::string& name, const std::string& body) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    EXPECT_EQ(::chmod(path.c_str(), 0755), 0) << path;
    return path;
  }

  // `count` workers of `binary`, one thread each; nullptr (and a failure)
  // when they cannot be started.
  static std::unique_ptr<LocalWorkers> Start(const std::string& binary, int count,
                                             int max_restarts = 1000) {
    LocalWorkersOptions options;
    options.binary = binary;
    options.count = count;
    options.extra_args = {"--threads=1"};
    options.max_restarts = max_restarts;
    auto w = LocalWorkers::Start(std::move(options));
    EXPECT_TRUE(w.ok()) << w.status();
    return w.ok() ? std::move(w).value() : nullptr;
  }

  std::string dir_;
};

TEST_F(LocalWorkersTest, WaitUntilListeningReturnsOnceEveryWorkerAcceptsConnections) {
  std::unique_ptr<LocalWorkers> w = Start(QALAM_WORKER_BIN, 2);
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

TEST_F(LocalWorkersTest, WaitUntilListeningWaitsOnlyAGraceForTheRestOnceOneListens) {
  // One real worker and one that lives but never listens: once the first
  // listens, the wait ends after the grace, not at the deadline. Worker 0
  // (its socket is .../w0.sock, the second argument) is the real one.
  const std::string script =
      WriteScript("worker-or-not", absl::StrCat("case \"$2\" in *w0.sock) exec ", QALAM_WORKER_BIN,
                                                " \"$@\";; esac\n", "exec sleep 60\n"));
  std::unique_ptr<LocalWorkers> w = Start(script, 2);
  ASSERT_NE(w, nullptr);
  const absl::Time start = absl::Now();
  EXPECT_EQ(w->WaitUntilListening(absl::Seconds(120), absl::Milliseconds(300)), 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(60));
  EXPECT_TRUE(Connects(w->targets()[0]));
}

TEST_F(LocalWorkersTest, WaitUntilListeningDoesNotWaitForAWorkerThatExited) {
  // /bin/false exits at once, whatever its arguments.
  std::unique_ptr<LocalWorkers> w = Start("/bin/false", 2, /*max_restarts=*/0);
  ASSERT_NE(w, nullptr);
  const absl::Time start = absl::Now();
  EXPECT_EQ(w->WaitUntilListening(absl::Seconds(60)), 0);
  // It returns when the children are gone (the supervisor reaps them within
  // tens of milliseconds), not at the deadline.
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
}

TEST_F(LocalWorkersTest, WaitUntilListeningGivesUpAtItsDeadline) {
  // A worker that lives but never listens: sh sleeping, its arguments ignored.
  std::unique_ptr<LocalWorkers> w = Start(WriteScript("never-listens", "exec sleep 60\n"), 1);
  ASSERT_NE(w, nullptr);
  const absl::Time start = absl::Now();
  EXPECT_EQ(w->WaitUntilListening(absl::Milliseconds(300)), 0);
  const absl::Duration waited = absl::Now() - start;
  EXPECT_GE(waited, absl::Milliseconds(300));
  EXPECT_LT(waited, absl::Seconds(30));
}

}  // namespace
}  // namespace qalam
