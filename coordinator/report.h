// report.json: what a corpus job found, computed from the job's durable
// output (results.jsonl, errors.jsonl and the index of fingerprints), so
// that a run, a resumed run and a merge of slices give the same report by
// construction.
//
// Contents (keys sorted where they are data, so the bytes are
// deterministic):
//   articles        {"in", "processed", "failed"}
//   errors          count per status code
//   languages       count per "lang" of the result lines ("(none)" when a
//                   line has no lang: language identification not there)
//   labels          per language, count per "label" (lines with a label)
//   keywords        per label, the most frequent keywords with counts
//   lengths         chars / tokens / sentences: min, p50, p90, p99, max,
//                   mean (chars from the worker's RecordStats)
//   duplicates      exact groups (same normalised word sequence) and
//                   near-duplicate groups (MinHash over word 3-shingles,
//                   LSH banding, estimated Jaccard >= the threshold),
//                   with the largest groups' ids
//   timing          wall seconds, articles per second, workers
//
// Memory: proportional to the number of distinct keywords per label and
// to a few bytes per article (duplicate detection must remember every
// article it has seen), never to the corpus's bytes.
//
// Functions here are thread-compatible (no shared state).
#ifndef QALAM_COORDINATOR_REPORT_H_
#define QALAM_COORDINATOR_REPORT_H_

#include <string>

#include "absl/status/statusor.h"

namespace qalam {

struct ReportOptions {
  int top_keywords = 20;  // per label
  int top_groups = 20;    // duplicate groups listed
  int ids_per_group = 10;
  double near_threshold = 0.8;  // estimated Jaccard
};

struct ReportTiming {
  double seconds = 0;  // processing time
  int workers = 0;
  int parts = 1;  // > 1 for a merge of slices
};

// Builds report.json (pretty-printed, ending in a line break) from a job's
// files. The three files must belong together (index entries in the order
// of the lines). DataLoss when they do not match.
absl::StatusOr<std::string> BuildReport(const std::string& results_path,
                                        const std::string& errors_path,
                                        const std::string& index_path, const ReportTiming& timing,
                                        const ReportOptions& options = ReportOptions());

}  // namespace qalam

#endif  // QALAM_COORDINATOR_REPORT_H_
