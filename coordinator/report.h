// report.json: what a corpus job found: the counts of the values its output
// lines hold (results.jsonl, errors.jsonl and the index of fingerprints),
// taken as a run writes them (ReportBuilder) or from the files afterwards
// (BuildReport), so that a run, a resumed run and a merge of slices give
// the same report.
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

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "coordinator/output_store.h"
#include "qalam/v1/worker.pb.h"

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

// The values of one results.jsonl line that the report counts. Views are
// only read during the call they are passed to.
struct ReportFields {
  bool has_lang = false;
  absl::string_view lang;
  bool has_label = false;
  absl::string_view label;
  bool has_keywords = false;
  std::vector<absl::string_view> keywords;
  bool has_tokens = false;
  uint64_t tokens = 0;
  bool has_sentences = false;
  uint64_t sentences = 0;  // number of sentences
};

// The fields a worker sent (RecordStats.report), as views into `in`. False
// when they do not hold together (keyword lengths that do not add up to the
// keywords' bytes): the caller then parses the line instead.
bool ReportFieldsFromProto(const v1::ReportFields& in, ReportFields* out);

// Builds report.json line by line, as a job writes its output: a run feeds
// it each line as it appends it (with the fields the worker sent, so the
// line need not be parsed again), a resumed run first feeds it what the
// earlier runs committed (AddJobFiles), and BuildReport feeds it files.
// Every path counts the same values, so the report is the same bytes
// whichever way the output was made.
//
// Memory: a few bytes per article (duplicate detection) and the distinct
// keywords per label. Thread-compatible.
class ReportBuilder {
 public:
  explicit ReportBuilder(const ReportOptions& options = ReportOptions());
  ~ReportBuilder();
  ReportBuilder(const ReportBuilder&) = delete;
  ReportBuilder& operator=(const ReportBuilder&) = delete;

  // The job's output lines, in index.bin's order. A result line: its
  // fields, its index entry and its length in results.jsonl with the line
  // break.
  void AddResult(const ReportFields& fields, const IndexEntry& entry, uint64_t line_bytes);
  // The same from the line itself (without its line break). DataLoss when
  // it is not a JSON object.
  absl::Status AddResultLine(absl::string_view line, const IndexEntry& entry);
  // An errors.jsonl line (without its line break): counted by its "code".
  void AddError(absl::string_view line);

  uint64_t results() const;
  uint64_t errors() const;

  // Renders report.json (pretty-printed, ending in a line break).
  // `results_path` and `index_path` are the job's files, holding exactly
  // the lines added, in order: near duplicates are found over the index's
  // signatures and group members' ids read from the results.
  absl::StatusOr<std::string> Finish(const std::string& results_path,
                                     const std::string& index_path, const ReportTiming& timing);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Adds every line of a job's files to `builder`, in the index's order. The
// three files must belong together (index entries in the order of the
// lines). DataLoss when they do not match.
absl::Status AddJobFiles(const std::string& results_path, const std::string& errors_path,
                         const std::string& index_path, ReportBuilder* builder);

// Builds report.json from a job's files (AddJobFiles, then Finish).
absl::StatusOr<std::string> BuildReport(const std::string& results_path,
                                        const std::string& errors_path,
                                        const std::string& index_path, const ReportTiming& timing,
                                        const ReportOptions& options = ReportOptions());

}  // namespace qalam

#endif  // QALAM_COORDINATOR_REPORT_H_
