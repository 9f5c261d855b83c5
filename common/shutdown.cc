#include "common/shutdown.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"

#if defined(__SANITIZE_ADDRESS__)
#define QALAM_LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define QALAM_LEAK_CHECK 1
#endif
#endif
#ifdef QALAM_LEAK_CHECK
#include <sanitizer/lsan_interface.h>
#endif

namespace qalam {

void ExitProcess(int code) {
  std::fflush(nullptr);
#ifdef QALAM_LEAK_CHECK
  __lsan_do_leak_check();  // what exit() would have run under the sanitizers
#endif
  std::_Exit(code);
}

namespace {

// The write end of the self-pipe, read by the signal handler. -1 when no
// TerminationSignals exists.
std::atomic<int> g_signal_pipe{-1};
struct sigaction g_old_term;
struct sigaction g_old_int;

void OnSignal(int sig) {
  int saved_errno = errno;
  int fd = g_signal_pipe.load(std::memory_order_relaxed);
  if (fd >= 0) {
    unsigned char c = static_cast<unsigned char>(sig);
    // Nothing useful can be done if the pipe is full: a signal is pending
    // already and the waiter will see it.
    ssize_t n = ::write(fd, &c, 1);
    (void)n;
  }
  errno = saved_errno;
}

}  // namespace

TerminationSignals::TerminationSignals(int read_fd, int write_fd)
    : read_fd_(read_fd), write_fd_(write_fd) {}

absl::StatusOr<std::unique_ptr<TerminationSignals>> TerminationSignals::Install() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", std::strerror(errno)));
  }
  // Non-blocking writes: a signal handler must never block.
  ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);
  int expected = -1;
  if (!g_signal_pipe.compare_exchange_strong(expected, fds[1])) {
    ::close(fds[0]);
    ::close(fds[1]);
    return absl::FailedPreconditionError("TerminationSignals already installed");
  }
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (::sigaction(SIGTERM, &sa, &g_old_term) != 0 || ::sigaction(SIGINT, &sa, &g_old_int) != 0) {
    int err = errno;
    g_signal_pipe.store(-1);
    ::close(fds[0]);
    ::close(fds[1]);
    return absl::InternalError(absl::StrCat("sigaction: ", std::strerror(err)));
  }
  return std::unique_ptr<TerminationSignals>(new TerminationSignals(fds[0], fds[1]));
}

TerminationSignals::~TerminationSignals() {
  ::sigaction(SIGTERM, &g_old_term, nullptr);
  ::sigaction(SIGINT, &g_old_int, nullptr);
  g_signal_pipe.store(-1);
  ::close(read_fd_);
  ::close(write_fd_);
}

int TerminationSignals::Wait() {
  while (true) {
    unsigned char c = 0;
    ssize_t n = ::read(read_fd_, &c, 1);
    if (n == 1) return c;
    if (n < 0 && errno == EINTR) continue;
    return 0;  // the pipe was closed: treat as a request to stop
  }
}

void TerminationSignals::Notify() {
  unsigned char c = 0;
  ssize_t n = ::write(write_fd_, &c, 1);
  (void)n;
}

bool InflightCalls::TryEnter() {
  absl::MutexLock l(&mu_);
  if (draining_) return false;
  ++count_;
  return true;
}

void InflightCalls::Exit() {
  absl::MutexLock l(&mu_);
  --count_;
}

void InflightCalls::StartDraining() {
  absl::MutexLock l(&mu_);
  draining_ = true;
}

bool InflightCalls::draining() const {
  absl::MutexLock l(&mu_);
  return draining_;
}

bool InflightCalls::WaitIdle(absl::Time deadline) {
  absl::MutexLock l(&mu_);
  return mu_.AwaitWithDeadline(absl::Condition(this, &InflightCalls::Idle), deadline);
}

int64_t InflightCalls::count() const {
  absl::MutexLock l(&mu_);
  return count_;
}

}  // namespace qalam
