#include "tests/testing/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace qalam_testing {

WorkerProcess::WorkerProcess(pid_t pid, int stderr_fd) : pid_(pid), stderr_fd_(stderr_fd) {
  reader_ = std::thread([this] { ReadStderr(); });
}

absl::StatusOr<std::unique_ptr<WorkerProcess>> WorkerProcess::Start(
    const std::string& binary, const std::vector<std::string>& args, absl::Duration timeout) {
  // Everything the child needs is prepared before fork(): after it, only
  // async-signal-safe calls are allowed in a multi-threaded parent's child.
  std::vector<std::string> argv_storage;
  argv_storage.push_back(binary);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", std::strerror(errno)));
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl
    dup2(fds[1], STDERR_FILENO);          // dup2 clears O_CLOEXEC on the copy
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::unique_ptr<WorkerProcess> p(new WorkerProcess(pid, fds[0]));
  const std::string needle = "listening on ";
  if (!p->WaitForStderr(needle, timeout)) {
    std::string err = p->StderrText();
    return absl::UnavailableError(
        absl::StrCat(binary, " did not report its address; stderr:\n", err));
  }
  // The line may still be incomplete: wait for its end.
  const absl::Time deadline = absl::Now() + timeout;
  std::string text = p->StderrText();
  size_t at = text.find(needle) + needle.size();
  while (text.find('\n', at) == std::string::npos && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
    text = p->StderrText();
  }
  size_t end = text.find('\n', at);
  p->address_ = std::string(absl::StripAsciiWhitespace(
      end == std::string::npos ? text.substr(at) : text.substr(at, end - at)));
  return p;
}

WorkerProcess::~WorkerProcess() {
  bool reaped;
  {
    absl::MutexLock l(&mu_);
    reaped = reaped_;
  }
  if (!reaped) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
  reader_.join();
  close(stderr_fd_);
}

void WorkerProcess::ReadStderr() {
  char buf[4096];
  while (true) {
    ssize_t n = read(stderr_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    absl::MutexLock l(&mu_);
    if (n <= 0) {
      stderr_eof_ = true;
      return;
    }
    stderr_.append(buf, static_cast<size_t>(n));
  }
}

bool WorkerProcess::WaitForStderr(absl::string_view needle, absl::Duration timeout) {
  const std::string n(needle);
  absl::MutexLock l(&mu_);
  auto found_or_eof = [this, &n]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return stderr_eof_ || stderr_.find(n) != std::string::npos;
  };
  mu_.AwaitWithTimeout(absl::Condition(&found_or_eof), timeout);
  return stderr_.find(n) != std::string::npos;
}

std::string WorkerProcess::StderrText() const {
  absl::MutexLock l(&mu_);
  return stderr_;
}

absl::Status WorkerProcess::Signal(int sig) {
  absl::MutexLock l(&mu_);
  if (reaped_) return absl::FailedPreconditionError("the process has exited");
  if (kill(pid_, sig) != 0) return absl::InternalError(std::strerror(errno));
  return absl::OkStatus();
}

absl::StatusOr<int> WorkerProcess::WaitForExit(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    {
      absl::MutexLock l(&mu_);
      if (reaped_) return exit_status_;
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        reaped_ = true;
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_status_;
      }
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("process ", pid_, " still running after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::StatusOr<int64_t> WorkerProcess::RssKib() const {
  std::ifstream in(absl::StrCat("/proc/", pid_, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view v = line;
    if (absl::ConsumePrefix(&v, "VmRSS:")) {
      v = absl::StripAsciiWhitespace(v);
      absl::ConsumeSuffix(&v, "kB");
      int64_t kib;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(v), &kib)) return kib;
    }
  }
  return absl::NotFoundError(absl::StrCat("no VmRSS for process ", pid_));
}

}  // namespace qalam_testing
