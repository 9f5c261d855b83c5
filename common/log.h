// A tiny logging shim. Abseil 20220623 has no absl/log; this keeps the call
// sites (QALAM_LOG(INFO) << ...) close to absl/log so we can switch later.
//
// Thread-safe: each message is formatted into its own buffer and written to
// stderr with one write(2) call, so lines from different threads never
// interleave.
#ifndef QALAM_COMMON_LOG_H_
#define QALAM_COMMON_LOG_H_

#include <sstream>
#include <string>

namespace qalam {

enum class LogSeverity { kInfo = 0, kWarning = 1, kError = 2, kFatal = 3 };

// Messages below this severity are dropped. Default kInfo. Safe to call at
// any time; reads and writes are atomic.
void SetMinLogSeverity(LogSeverity s);
LogSeverity MinLogSeverity();

// Sets the program name printed at the start of each line (default "qalam").
// REQUIRES: called before other threads log.
void SetLogProgramName(const char* name);

namespace internal {
class LogMessage {
 public:
  LogMessage(LogSeverity severity, const char* file, int line);
  ~LogMessage();  // Writes the line; aborts for kFatal.
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  std::ostream& stream() { return stream_; }

 private:
  LogSeverity severity_;
  std::ostringstream stream_;
};

// Swallows the stream when the message is disabled.
struct LogVoidify {
  void operator&(std::ostream&) {}
};
}  // namespace internal
}  // namespace qalam

#define QALAM_LOG_SEVERITY_INFO ::qalam::LogSeverity::kInfo
#define QALAM_LOG_SEVERITY_WARNING ::qalam::LogSeverity::kWarning
#define QALAM_LOG_SEVERITY_ERROR ::qalam::LogSeverity::kError
#define QALAM_LOG_SEVERITY_FATAL ::qalam::LogSeverity::kFatal

#define QALAM_LOG(severity)                                                 \
  (QALAM_LOG_SEVERITY_##severity < ::qalam::MinLogSeverity())               \
      ? (void)0                                                             \
      : ::qalam::internal::LogVoidify() &                                   \
            ::qalam::internal::LogMessage(QALAM_LOG_SEVERITY_##severity,    \
                                          __FILE__, __LINE__)               \
                .stream()

// CHECK is for programmer errors only; bad input gets an absl::Status.
#define QALAM_CHECK(cond)                                     \
  (cond) ? (void)0                                            \
         : ::qalam::internal::LogVoidify() &                  \
               ::qalam::internal::LogMessage(                 \
                   ::qalam::LogSeverity::kFatal, __FILE__, __LINE__) \
                   .stream()                                  \
               << "Check failed: " #cond " "

#endif  // QALAM_COMMON_LOG_H_
