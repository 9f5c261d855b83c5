// Merging the part folders of a sliced job (`qalam run --slice i/N`, one
// run per i, e.g. a Kubernetes Indexed Job) into the folder one run over
// the whole input would have written: results.jsonl and errors.jsonl
// byte-identical, report.json identical but for its "timing".
//
// Each part keeps, in DIR/.qalam/, its job identity (inputs, options,
// slice), its checkpoint (complete, processing time) and index.bin, the
// input position and fingerprint of each of its lines; the merge
// interleaves the parts' lines by position and recomputes the report from
// the merged files, as a single run does.
//
// Thread-compatible.
#ifndef QALAM_COORDINATOR_MERGE_H_
#define QALAM_COORDINATOR_MERGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace qalam {

struct MergeResult {
  uint64_t processed = 0;
  uint64_t failed = 0;
  std::string report_json;
};

// Merges `parts` into `output_dir`. FailedPrecondition when a part is not a
// complete job folder, when the parts' jobs differ in anything but the
// slice, or when the slices are not exactly 0..N-1 of one N; DataLoss when
// a part's files do not match its index.
absl::StatusOr<MergeResult> MergeParts(const std::vector<std::string>& parts,
                                       const std::string& output_dir);

}  // namespace qalam

#endif  // QALAM_COORDINATOR_MERGE_H_
