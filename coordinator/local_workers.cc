#include "coordinator/local_workers.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/log.h"

namespace qalam {
namespace {

namespace fs = std::filesystem;

bool IsExecutable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// True when a server accepts connections on the unix socket at `path`.
bool AcceptsConnections(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) return false;
  if (::access(path.c_str(), F_OK) != 0) return false;  // not bound yet: no socket needed
  // Non-blocking: connect() then answers at once, even with a full backlog.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::string DefaultWorkerBinary() {
  if (const char* env = std::getenv("QALAM_WORKER_BINARY"); env != nullptr && *env != '\0') {
    return env;
  }
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& p : {self.parent_path() / "qalam-worker",
                              self.parent_path().parent_path() / "workers" / "qalam-worker"}) {
      if (IsExecutable(p.string())) return p.string();
    }
  }
  return "qalam-worker";
}

absl::StatusOr<std::unique_ptr<LocalWorkers>> LocalWorkers::Start(LocalWorkersOptions options) {
  if (options.count < 1) return absl::InvalidArgumentError("need at least one worker");
  std::string binary = options.binary;
  if (binary.find('/') == std::string::npos) {
    // Look it up on the PATH now, so that a missing binary is a clear error.
    const char* path = std::getenv("PATH");
    std::string found;
    for (absl::string_view dir : absl::StrSplit(path ? path : "", ':')) {
      std::string cand = absl::StrCat(dir, "/", binary);
      if (!dir.empty() && IsExecutable(cand)) {
        found = cand;
        break;
      }
    }
    binary = found;
  }
  if (binary.empty() || !IsExecutable(binary)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "worker binary '", options.binary,
        "' not found or not executable (build qalam-worker, or pass --worker-binary)"));
  }
  options.binary = binary;
  std::unique_ptr<LocalWorkers> w(new LocalWorkers(std::move(options)));
  char tmpl[] = "/tmp/qalam-run-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot create a socket folder: ", std::strerror(errno)));
  }
  w->dir_ = tmpl;
  for (int i = 0; i < w->options_.count; ++i) {
    w->sockets_.push_back(absl::StrCat(w->dir_, "/w", i, ".sock"));
    w->targets_.push_back(absl::StrCat("unix:", w->sockets_.back()));
  }
  {
    absl::MutexLock l(&w->mu_);
    w->pids_.assign(w->options_.count, 0);
  }
  w->supervisor_ = std::thread([p = w.get()] { p->Supervise(); });
  absl::MutexLock l(&w->mu_);
  w->mu_.Await(absl::Condition(&w->started_));
  if (!w->start_status_.ok()) return w->start_status_;
  return w;
}

LocalWorkers::LocalWorkers(LocalWorkersOptions options) : options_(std::move(options)) {}

LocalWorkers::~LocalWorkers() { Stop(); }

pid_t LocalWorkers::Spawn(int i) {
  std::vector<std::string> args = {options_.binary, "--listen", targets_[i]};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::error_code ec;
  fs::remove(sockets_[i], ec);  // a stale socket from a crashed child
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);  // the parent died before the prctl
    ::dup2(STDERR_FILENO, STDOUT_FILENO);   // stdout belongs to the coordinator
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (pid < 0) QALAM_LOG(ERROR) << "cannot fork a worker: " << std::strerror(errno);
  return pid < 0 ? 0 : pid;
}

void LocalWorkers::Supervise() {
  {
    absl::MutexLock l(&mu_);
    for (int i = 0; i < options_.count; ++i) pids_[i] = Spawn(i);
    for (int i = 0; i < options_.count; ++i) {
      if (pids_[i] == 0) start_status_ = absl::InternalError("cannot start the local workers");
    }
    started_ = true;
  }
  std::vector<absl::Time> restart_at(options_.count, absl::InfinitePast());
  std::vector<int> quick_deaths(options_.count, 0);
  std::vector<absl::Time> started_at(options_.count, absl::Now());
  for (;;) {
    {
      absl::MutexLock l(&mu_);
      if (stopping_) break;
    }
    int wstatus = 0;
    pid_t pid = ::waitpid(-1, &wstatus, WNOHANG);
    if (pid > 0) {
      absl::MutexLock l(&mu_);
      for (int i = 0; i < options_.count; ++i) {
        if (pids_[i] != pid) continue;
        pids_[i] = 0;
        if (stopping_) break;
        QALAM_LOG(WARNING) << "local worker " << i << " (pid " << pid << ") "
                           << (WIFSIGNALED(wstatus)
                                   ? absl::StrCat("was killed by signal ", WTERMSIG(wstatus))
                                   : absl::StrCat("exited with status ", WEXITSTATUS(wstatus)))
                           << "; restarting it";
        // Back off when it dies right after starting (a broken binary).
        quick_deaths[i] = absl::Now() - started_at[i] < absl::Seconds(2) ? quick_deaths[i] + 1 : 0;
        restart_at[i] = absl::Now() + absl::Milliseconds(50 << std::min(quick_deaths[i], 7));
      }
      continue;
    }
    {
      absl::MutexLock l(&mu_);
      for (int i = 0; i < options_.count; ++i) {
        if (pids_[i] == 0 && restart_at[i] <= absl::Now() && restarts_ < options_.max_restarts) {
          ++restarts_;
          pids_[i] = Spawn(i);
          started_at[i] = absl::Now();
          restart_at[i] = absl::InfiniteFuture();
        }
      }
    }
    // Check on the children every 20 ms, and leave at once on Stop().
    absl::MutexLock l(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(20));
  }
  // Stop: SIGTERM, a grace period, SIGKILL.
  std::vector<pid_t> live;
  {
    absl::MutexLock l(&mu_);
    live = pids_;
  }
  for (pid_t p : live) {
    if (p > 0) ::kill(p, SIGTERM);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  for (pid_t p : live) {
    if (p <= 0) continue;
    for (;;) {
      int st;
      pid_t r = ::waitpid(p, &st, WNOHANG);
      if (r == p || (r < 0 && errno == ECHILD)) break;
      if (absl::Now() >= deadline) {
        ::kill(p, SIGKILL);
        ::waitpid(p, &st, 0);
        break;
      }
      absl::SleepFor(absl::Milliseconds(1));  // a drained worker exits within milliseconds
    }
  }
  absl::MutexLock l(&mu_);
  pids_.assign(options_.count, 0);
}

void LocalWorkers::Stop() {
  {
    absl::MutexLock l(&mu_);
    if (stopping_ && !supervisor_.joinable()) return;
    stopping_ = true;
  }
  if (supervisor_.joinable()) supervisor_.join();
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
  }
}

int LocalWorkers::WaitUntilListening(absl::Duration timeout, absl::Duration grace) {
  absl::Time deadline = absl::Now() + timeout;
  const std::vector<pid_t> first = pids();
  std::vector<bool> done(first.size(), false);
  int listening = 0;
  for (;;) {
    const std::vector<pid_t> now = pids();
    bool waiting = false;
    for (size_t i = 0; i < done.size(); ++i) {
      if (done[i]) continue;
      if (now[i] != first[i] || now[i] == 0) {
        done[i] = true;  // it exited: the supervisor restarts it, the dispatcher copes
      } else if (AcceptsConnections(sockets_[i])) {
        done[i] = true;
        if (listening++ == 0) deadline = std::min(deadline, absl::Now() + grace);
      } else {
        waiting = true;
      }
    }
    if (!waiting || absl::Now() >= deadline) return listening;
    absl::SleepFor(absl::Milliseconds(1));
  }
}

std::vector<pid_t> LocalWorkers::pids() const {
  absl::MutexLock l(&mu_);
  return pids_;
}

int LocalWorkers::restarts() const {
  absl::MutexLock l(&mu_);
  return restarts_;
}

}  // namespace qalam
