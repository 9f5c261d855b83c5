#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace qalam {
namespace {
std::atomic<int> g_min_severity{0};
const char* g_program = "qalam";

const char* SeverityName(LogSeverity s) {
  switch (s) {
    case LogSeverity::kInfo: return "I";
    case LogSeverity::kWarning: return "W";
    case LogSeverity::kError: return "E";
    case LogSeverity::kFatal: return "F";
  }
  return "?";
}
}  // namespace

void SetMinLogSeverity(LogSeverity s) { g_min_severity.store(static_cast<int>(s)); }
LogSeverity MinLogSeverity() { return static_cast<LogSeverity>(g_min_severity.load()); }
void SetLogProgramName(const char* name) { g_program = name; }

namespace internal {
LogMessage::LogMessage(LogSeverity severity, const char* file, int line)
    : severity_(severity) {
  const char* base = std::strrchr(file, '/');
  base = base ? base + 1 : file;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char when[32];
  std::strftime(when, sizeof(when), "%H:%M:%S", &tm);
  stream_ << g_program << ' ' << SeverityName(severity) << ' ' << when << ' '
          << base << ':' << line << "] ";
}

LogMessage::~LogMessage() {
  stream_ << '\n';
  std::string s = stream_.str();
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(STDERR_FILENO, s.data() + off, s.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  if (severity_ == LogSeverity::kFatal) std::abort();
}
}  // namespace internal
}  // namespace qalam
