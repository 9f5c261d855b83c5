// Reading labelled JSON Lines (training and evaluation data) for `qalam
// train` and `qalam eval`: every input form `qalam annotate` reads (.jsonl,
// .jsonl.gz, .jsonl.zst, "-"), one record at a time, with bad records
// reported on stderr as "qalam CMD: FILE:LINE: problem (record skipped)" and
// skipped, never fatal.
//
// Not thread-safe: one thread reads.
#ifndef QALAM_COORDINATOR_LABELED_INPUT_H_
#define QALAM_COORDINATOR_LABELED_INPUT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "workers/classify/dataset.h"

namespace qalam {

// Renames labels as records are read: "FROM=TO,FROM=TO" (e.g.
// "sports=sport,scitech=tech" to train one model on corpora whose label
// names differ). Labels not listed are kept.
class LabelMap {
 public:
  // Parses the flag value. InvalidArgument naming the bad entry.
  absl::Status Parse(absl::string_view spec);
  // The label `label` maps to (itself when not listed); the view lives as
  // long as this map or `label`.
  absl::string_view Map(absl::string_view label) const;
  bool empty() const { return map_.empty(); }

 private:
  absl::flat_hash_map<std::string, std::string> map_;
};

struct LabeledReadStats {
  uint64_t records = 0;  // passed to the callback and accepted
  uint64_t skipped = 0;  // reported and skipped
};

// Reads `paths` in order and calls `fn` for each well-formed record (its
// label renamed by `labels` when that is not null), with
// the display name of its file and its line number (from 1). When
// `fn` returns an error the record counts as skipped and the error is
// reported like a parse error. At most `max_reports` problems are printed
// per input file (then a count of the rest). Returns the reader's error
// (NotFound, InvalidArgument) when an input cannot be opened; bad records
// never make it fail.
absl::Status ForEachLabeledRecord(
    const std::vector<std::string>& paths, const classify::LabeledFields& fields,
    const char* command,
    const std::function<absl::Status(const classify::LabeledRecord& record,
                                     const std::string& file, uint64_t line)>& fn,
    LabeledReadStats* stats, const LabelMap* labels = nullptr, int max_reports = 20);

}  // namespace qalam

#endif  // QALAM_COORDINATOR_LABELED_INPUT_H_
