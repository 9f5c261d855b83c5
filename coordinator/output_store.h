// The output folder of a corpus job, written so that a crash at any point
// (SIGKILL, power loss) never leaves a corrupt result behind and the job can
// be resumed where it was last committed.
//
// Layout of DIR:
//   results.jsonl, errors.jsonl   the final files, renamed into place when
//                                 the job completes
//   report.json                   written to a temporary file, then renamed
//   .qalam/job                    what identifies the job (inputs, options)
//   .qalam/checkpoint             what is committed (replaced atomically)
//   .qalam/results.jsonl          the outputs while the job runs
//   .qalam/errors.jsonl
//   .qalam/index.bin              one IndexEntry per output line, in job
//                                 order; kept after the job for report.json
//                                 and `qalam merge`
//
// Commit protocol: lines are appended to the three data files; Commit()
// flushes them, fdatasyncs them and only then writes a new checkpoint
// (write to a temporary file, fsync, rename, fsync the folder) recording how
// many input positions are done and the byte size of each data file. On
// resume the data files are truncated to those sizes, so whatever was
// written after the last checkpoint is discarded and redone, and nothing
// before it is redone.
//
// An OutputStore is not thread-safe: one writer thread uses it.
#ifndef QALAM_COORDINATOR_OUTPUT_STORE_H_
#define QALAM_COORDINATOR_OUTPUT_STORE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workers/pipeline/fingerprint.h"

namespace qalam {

// One output line's entry in index.bin: fixed size, little-endian (the
// host's order: part folders are merged on the machines that made them or
// their like).
struct IndexEntry {
  uint64_t seq = 0;    // the record's position in the job's input
  uint32_t kind = 0;   // kResult or kError
  uint32_t flags = 0;  // kHasStats
  uint64_t chars = 0;  // RecordStats.chars
  uint64_t text_hash = 0;
  uint32_t minhash[kMinHashSize] = {};

  static constexpr uint32_t kResult = 0;
  static constexpr uint32_t kError = 1;
  static constexpr uint32_t kHasStats = 1;
};
static_assert(sizeof(IndexEntry) == 32 + 4 * kMinHashSize, "IndexEntry must have no padding");

// What is durably done. Positions count every input record, in and out of
// this job's slice.
struct Checkpoint {
  uint64_t positions = 0;
  uint64_t results = 0;  // lines in results.jsonl
  uint64_t errors = 0;   // lines in errors.jsonl
  uint64_t results_bytes = 0;
  uint64_t errors_bytes = 0;
  uint64_t index_bytes = 0;
  double seconds = 0;  // processing time of every run of the job so far
  bool complete = false;
};

// Paths inside an output folder. The state results and errors hold a
// running job's lines (what a resume keeps is their committed prefix).
std::string StateDir(const std::string& dir);
std::string IndexPath(const std::string& dir);
std::string StateResultsPath(const std::string& dir);
std::string StateErrorsPath(const std::string& dir);

// Reads DIR/.qalam/checkpoint. NotFound when there is none.
absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& dir);
// Reads DIR/.qalam/job. NotFound when there is none.
absl::StatusOr<std::string> ReadJobIdentity(const std::string& dir);

// Writes `contents` to `path` atomically: a temporary file in the same
// folder, fsync, rename, fsync of the folder.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents);

class OutputStore {
 public:
  // Opens DIR (created if needed) for the job described by `identity`
  // (a canonical text, compared byte for byte).
  //  * resume and DIR holds this job: truncates the data files to the last
  //    checkpoint; resumed() says where to go on from.
  //  * resume and DIR holds another job: FailedPrecondition saying which
  //    line of the identity differs.
  //  * no resume and DIR holds an unfinished job: FailedPrecondition
  //    (use --resume, or remove DIR/.qalam).
  //  * otherwise a fresh job: old outputs in DIR are removed.
  static absl::StatusOr<std::unique_ptr<OutputStore>> Open(const std::string& dir,
                                                           const std::string& identity,
                                                           bool resume);
  ~OutputStore();
  OutputStore(const OutputStore&) = delete;
  OutputStore& operator=(const OutputStore&) = delete;

  // Where the job stands: zero for a fresh job.
  const Checkpoint& resumed() const { return resumed_; }
  const Checkpoint& current() const { return cp_; }

  // Appends one line (without its line break) and its index entry. Buffered;
  // durable only after the next Commit().
  void AppendResult(absl::string_view line, const IndexEntry& entry);
  void AppendError(absl::string_view line, const IndexEntry& entry);
  // Records that every input position below `positions` has its lines
  // appended.
  void SetPositions(uint64_t positions) { cp_.positions = positions; }
  // Bytes appended since the last Commit().
  uint64_t uncommitted_bytes() const { return uncommitted_; }

  // Makes everything appended durable and writes the checkpoint.
  // `seconds` is the processing time of this run so far. DataLoss/Internal
  // on an I/O error (disk full...): the job cannot go on.
  absl::Status Commit(double seconds);

  // Commits, then moves results.jsonl and errors.jsonl into DIR. The caller
  // then writes report.json and calls MarkComplete().
  absl::Status Finish(double seconds);
  absl::Status MarkComplete();

 private:
  struct File;
  explicit OutputStore(std::string dir);
  absl::Status Flush();

  std::string dir_;
  std::unique_ptr<File> results_, errors_, index_;
  Checkpoint resumed_;
  Checkpoint cp_;
  double seconds_before_ = 0;  // of earlier runs
  uint64_t uncommitted_ = 0;
};

}  // namespace qalam

#endif  // QALAM_COORDINATOR_OUTPUT_STORE_H_
