// qalam-worker: parses flags, starts a WorkerServer, waits for SIGTERM or
// SIGINT, drains and exits 0. All logic lives in qalam_worker_lib.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/cli.h"
#include "common/log.h"
#include "common/security.h"
#include "common/shutdown.h"
#include "workers/server.h"

namespace {

int Usage(const std::string& message) {
  std::fprintf(stderr, "qalam-worker: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built with Mutex deadlock detection on, which
  // records a lock-order graph on every lock: a cost on every call and every
  // pool hand-off. Tests keep it; the binaries turn it off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  qalam::SetLogProgramName("qalam-worker");
  qalam::WorkerServerOptions options;
  int64_t threads = 0;
  int64_t max_queue = 0;
  int64_t max_message_bytes = static_cast<int64_t>(options.max_message_bytes);
  int64_t max_article_bytes = static_cast<int64_t>(options.runtime.limits.max_article_bytes);
  int64_t stream_window = options.runtime.stream_window;
  double grace_seconds = 30;
  bool verbose = false;
  qalam::ServerSecurityOptions security;

  qalam::FlagSet flags(
      "qalam-worker [FLAGS]",
      "Serves qalam.v1.Worker (batches of corpus records, for qalam-coordinator) and\n"
      "qalam.v1.Annotator (the public annotation API) over gRPC, with the standard\n"
      "health service and server reflection. Prints \"qalam-worker listening on ADDR\"\n"
      "on stderr once it serves. SIGTERM or SIGINT drains: health turns NOT_SERVING,\n"
      "new calls get UNAVAILABLE, calls in flight get --grace-seconds to finish, then\n"
      "the process exits 0 (a second signal exits at once with status 1).");
  flags.String("listen", &options.listen,
               "address to serve on: host:port (port 0 picks a free port), [v6]:port or "
               "unix:/path. Loopback unless you say otherwise",
               "ADDR");
  flags.Int("threads", &threads, "worker threads for CPU work (0 = one per available core)", "N");
  flags.Int("max-queue", &max_queue,
            "calls waiting for a thread before new ones get RESOURCE_EXHAUSTED "
            "(0 = 16 per thread)",
            "N");
  flags.Int("max-message-bytes", &max_message_bytes, "largest request or response message accepted",
            "BYTES");
  flags.Int("max-article-bytes", &max_article_bytes, "largest article text accepted", "BYTES");
  flags.Int("stream-window", &stream_window,
            "documents one AnnotateStream may have in flight before the server stops "
            "reading it",
            "N");
  flags.Double("grace-seconds", &grace_seconds,
               "on SIGTERM, how long calls in flight may run before they are cancelled", "SECONDS");
  flags.Bool("verbose", &verbose, "log every call");
  flags.String("model-dir", &options.runtime.model_dir,
               "folder of the model files (default: the bundled models/)", "DIR");
  flags.String("model", &options.runtime.topic_model,
               "topic model (from qalam train) for every article, instead of the bundled "
               "topic-ar.bin / topic-en.bin",
               "PATH");
  RegisterServerSecurityFlags(&flags, &security);

  std::vector<std::string> positional;
  absl::Status st = flags.Parse(argc, argv, 1, &positional);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (!st.ok()) return Usage(std::string(st.message()));
  if (!positional.empty()) return Usage(absl::StrCat("unexpected argument '", positional[0], "'"));
  if (threads < 0 || threads > 4096) return Usage("--threads must be in [0, 4096]");
  if (max_queue < 0) return Usage("--max-queue must not be negative");
  if (max_message_bytes <= 0 || max_message_bytes > INT32_MAX) {
    return Usage("--max-message-bytes must be in [1, 2147483647]");
  }
  if (max_article_bytes <= 0) return Usage("--max-article-bytes must be positive");
  if (stream_window < 1 || stream_window > 1 << 16) {
    return Usage("--stream-window must be in [1, 65536]");
  }
  if (!(grace_seconds >= 0)) return Usage("--grace-seconds must not be negative");

  options.runtime.threads = static_cast<int>(threads);
  options.runtime.max_queued = static_cast<size_t>(max_queue);
  options.max_message_bytes = static_cast<size_t>(max_message_bytes);
  options.runtime.limits.max_article_bytes = static_cast<size_t>(max_article_bytes);
  options.runtime.stream_window = static_cast<int>(stream_window);
  options.runtime.verbose = verbose;
  auto creds = qalam::ServerCredentialsFromOptions(security, options.listen);
  if (!creds.ok()) {
    std::fprintf(stderr, "qalam-worker: %s\n", std::string(creds.status().message()).c_str());
    return 2;
  }
  options.credentials = *creds;
  if (security.tls_cert_file.empty() && !qalam::IsLocalAddress(options.listen)) {
    QALAM_LOG(WARNING) << "serving plaintext on " << options.listen
                       << ", which other hosts can reach: consider --tls-cert/--tls-key";
  }

  // Before the server starts, so that a signal arriving during start-up is
  // not lost: it waits in the pipe.
  auto signals = qalam::TerminationSignals::Install();
  if (!signals.ok()) {
    std::fprintf(stderr, "qalam-worker: %s\n", std::string(signals.status().message()).c_str());
    return 1;
  }
  auto server = qalam::WorkerServer::Start(std::move(options));
  if (!server.ok()) {
    std::fprintf(stderr, "qalam-worker: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "qalam-worker listening on %s\n", (*server)->address().c_str());
  std::fflush(stderr);

  const int sig = (*signals)->Wait();
  QALAM_LOG(INFO) << "received signal " << sig << ": shutting down";
  // A second signal means "now": exit without waiting for the drain.
  std::thread impatient([&signals] {
    if ((*signals)->Wait() != 0) {
      QALAM_LOG(WARNING) << "second signal: exiting without draining";
      std::_Exit(1);
    }
  });
  (*server)->Shutdown(absl::Milliseconds(static_cast<int64_t>(grace_seconds * 1000)));
  (*signals)->Notify();  // ends `impatient`
  impatient.join();
  QALAM_LOG(INFO) << "exiting";
  qalam::ExitProcess(0);  // not through the destructors: see ExitProcess
}
