// Entry points of the `qalam` command line's subcommands. Each parses its own
// flags (see common/cli.h), runs, and returns the process exit status:
// 0 when every record was processed or recorded as an error, 1 when the job
// could not complete (the reason is printed on stderr), 2 for a usage error.
#ifndef QALAM_COORDINATOR_COMMANDS_H_
#define QALAM_COORDINATOR_COMMANDS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "common/cli.h"
#include "qalam/v1/worker.pb.h"

namespace qalam {

// qalam annotate [FLAGS] [INPUT...]: processes in this process, result lines
// on stdout, error lines on stderr.
int AnnotateCommand(int argc, char** argv);

// qalam run INPUT... -o DIR [--workers N] [--connect TARGET] [--resume]
// [--slice i/N]: the pipeline (coordinator in this process, workers over
// gRPC).
int RunCommand(int argc, char** argv);

// qalam merge PART_DIR... -o DIR: combines the part folders of sliced runs.
int MergeCommand(int argc, char** argv);

// qalam health ADDR [SERVICE]: one grpc.health.v1.Health/Check; exits 0 when
// SERVING, 1 for any other answer, 3 when none came, 2 for a usage error.
int HealthCommand(int argc, char** argv);

// qalam train --data FILE... [--dev FILE] -o MODEL: trains a topic model
// (workers/classify) and rebuilds the keyword tables next to it.
int TrainCommand(int argc, char** argv);

// qalam eval --model MODEL --data FILE...: scores a topic model, one JSON
// object on stdout.
int EvalCommand(int argc, char** argv);

// The flags `qalam run` shares with `qalam annotate`, with the same
// defaults.
struct AnnotateFlags {
  std::string text_field = "text";
  std::string id_field = "id";
  std::string title_field = "title";
  std::string lang_field = "lang";
  std::string offsets = "utf8";
  int64_t summary_sentences = 3;
  int64_t keywords = 10;
  int64_t max_article_bytes = 16 << 20;
  bool replace_invalid_utf8 = false;
};

// Registers the flags above on `flags`, bound to `*f`.
void RegisterAnnotateFlags(FlagSet* flags, AnnotateFlags* f);

// Converts them to the workers' BatchOptions. InvalidArgument naming the
// flag when one is out of range.
absl::Status AnnotateFlagsToBatchOptions(const AnnotateFlags& f, v1::BatchOptions* out);

}  // namespace qalam

#endif  // QALAM_COORDINATOR_COMMANDS_H_
