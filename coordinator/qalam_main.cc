// The `qalam` command line: dispatches to a subcommand.
#include <cstdio>
#include <cstring>

#include "absl/synchronization/mutex.h"
#include "common/shutdown.h"
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
  int (*command)(int, char**) = nullptr;
  if (std::strcmp(cmd, "annotate") == 0) command = qalam::AnnotateCommand;
  if (std::strcmp(cmd, "run") == 0) command = qalam::RunCommand;
  if (std::strcmp(cmd, "merge") == 0) command = qalam::MergeCommand;
  if (std::strcmp(cmd, "train") == 0) command = qalam::TrainCommand;
  if (std::strcmp(cmd, "eval") == 0) command = qalam::EvalCommand;
  if (std::strcmp(cmd, "health") == 0) command = qalam::HealthCommand;
  if (command == nullptr) {
    std::fprintf(stderr, "qalam: unknown command '%s'\n\n%s", cmd, kUsage);
    return 2;
  }
  // The command has closed its files; leave without gRPC's shutdown (see
  // ExitProcess).
  qalam::ExitProcess(command(argc, argv));
}
