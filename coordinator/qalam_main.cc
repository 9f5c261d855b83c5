// The `qalam` command line: dispatches to a subcommand.
#include <cstdio>
#include <cstring>

#include "absl/synchronization/mutex.h"
#include "coordinator/commands.h"

namespace {

constexpr char kUsage[] =
    "usage: qalam COMMAND [FLAGS] [ARGS...]\n"
    "\n"
    "Arabic and English news at corpus scale: sentences, tokens, language,\n"
    "topic, summary and keywords for every article.\n"
    "\n"
    "commands:\n"
    "  annotate   process articles in this process, result lines on stdout\n"
    "  run        the pipeline: workers over gRPC, results in an output folder\n"
    "  merge      combine the output folders of `qalam run --slice i/N`\n"
    "  train      train a topic model from labelled JSON Lines\n"
    "  eval       score a topic model on labelled JSON Lines\n"
    "  health     ask a worker or coordinator whether it is SERVING (gRPC health)\n"
    "\n"
    "Run 'qalam COMMAND --help' for the flags of a command.\n";

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built with Mutex deadlock detection on, which
  // records a lock-order graph on every lock: a cost on every call and every
  // pool hand-off. Tests keep it; the binaries turn it off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char* cmd = argv[1];
  if (std::strcmp(cmd, "annotate") == 0) return qalam::AnnotateCommand(argc, argv);
  if (std::strcmp(cmd, "run") == 0) return qalam::RunCommand(argc, argv);
  if (std::strcmp(cmd, "merge") == 0) return qalam::MergeCommand(argc, argv);
  if (std::strcmp(cmd, "train") == 0) return qalam::TrainCommand(argc, argv);
  if (std::strcmp(cmd, "eval") == 0) return qalam::EvalCommand(argc, argv);
  if (std::strcmp(cmd, "health") == 0) return qalam::HealthCommand(argc, argv);
  std::fprintf(stderr, "qalam: unknown command '%s'\n\n%s", cmd, kUsage);
  return 2;
}
