#include "coordinator/progress.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace qalam {
namespace {

std::string Hms(double s) {
  if (s < 0) return "?";
  int64_t t = static_cast<int64_t>(s + 0.5);
  if (t >= 3600) return absl::StrFormat("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
  return absl::StrFormat("%d:%02d", t / 60, t % 60);
}

}  // namespace

ProgressPrinter::ProgressPrinter(const JobMonitor* monitor, const Dispatcher* dispatcher,
                                 bool quiet, absl::Duration plain_interval)
    : monitor_(monitor),
      dispatcher_(dispatcher),
      quiet_(quiet),
      tty_(::isatty(STDERR_FILENO) == 1),
      plain_interval_(plain_interval),
      start_(absl::Now()) {
  if (!quiet_) thread_ = std::thread([this] { Loop(); });
}

ProgressPrinter::~ProgressPrinter() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
  if (!quiet_ && tty_) std::fputs("\r\033[K", stderr);
}

std::string ProgressPrinter::Line(const JobMonitor& m, const DispatcherStats& stats, double seconds,
                                  bool bar) {
  const uint64_t done =
      m.articles_processed.load() + m.articles_failed.load() - m.articles_skipped.load();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  const uint64_t total = m.bytes_total.load();
  const double frac =
      total > 0 ? std::min(1.0, static_cast<double>(m.bytes_read.load()) / total) : -1;
  double eta = -1;
  if (frac > 0.01 && seconds > 1) eta = seconds * (1 - frac) / frac;
  std::string out;
  if (bar && frac >= 0) {
    const int width = 24;
    const int filled = static_cast<int>(frac * width);
    absl::StrAppend(&out, "[", std::string(filled, '#'), std::string(width - filled, '.'), "] ",
                    static_cast<int>(frac * 100), "% ");
  }
  absl::StrAppend(&out, done, " articles, ", static_cast<int64_t>(rate), "/s");
  if (!bar && frac >= 0) absl::StrAppend(&out, ", ", static_cast<int>(frac * 100), "% of input");
  absl::StrAppend(&out, ", ETA ", Hms(eta), ", workers ", stats.workers_alive, "/",
                  stats.workers_total, ", failed ", m.articles_failed.load());
  if (stats.shards_retried > 0) absl::StrAppend(&out, ", retries ", stats.shards_retried);
  return out;
}

void ProgressPrinter::Loop() {
  const absl::Duration every = tty_ ? absl::Milliseconds(250) : plain_interval_;
  while (!stop_.WaitForNotificationWithTimeout(every)) {
    const double s = absl::ToDoubleSeconds(absl::Now() - start_);
    std::string line = Line(*monitor_, dispatcher_->Stats(), s, tty_);
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
    } else {
      std::fprintf(stderr, "qalam run: %s\n", line.c_str());
    }
    std::fflush(stderr);
  }
}

}  // namespace qalam
