// ProgressPrinter: a job's progress on stderr while it runs. On a terminal,
// one line redrawn in place (a bar, articles, articles/s, ETA, workers
// alive, failures); otherwise a plain line every `plain_interval`, which
// reads well in logs. Nothing at all when quiet.
//
// Thread-safe: it reads the JobMonitor's atomics and the Dispatcher's
// Stats() from its own thread.
#ifndef QALAM_COORDINATOR_PROGRESS_H_
#define QALAM_COORDINATOR_PROGRESS_H_

#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "coordinator/dispatcher.h"
#include "coordinator/job.h"

namespace qalam {

class ProgressPrinter {
 public:
  // Starts printing. `monitor` and `dispatcher` must outlive this object.
  ProgressPrinter(const JobMonitor* monitor, const Dispatcher* dispatcher, bool quiet,
                  absl::Duration plain_interval = absl::Seconds(10));
  // Stops, and clears the bar on a terminal.
  ~ProgressPrinter();
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;

  // One progress line (no line break): for the terminal bar, log lines and
  // tests.
  static std::string Line(const JobMonitor& monitor, const DispatcherStats& stats, double seconds,
                          bool bar);

 private:
  void Loop();
  const JobMonitor* monitor_;
  const Dispatcher* dispatcher_;
  const bool quiet_;
  const bool tty_;
  const absl::Duration plain_interval_;
  const absl::Time start_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace qalam

#endif  // QALAM_COORDINATOR_PROGRESS_H_
