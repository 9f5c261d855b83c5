// A SummaryModel: everything the summariser and the keyword extractor know
// about one language, learned from a corpus: the sentence scorer's weights,
// the content-stem document frequencies, the keyword phrase document
// frequencies and the clitic lexicon.
//
// On disk it is a model file (model_file.h) of kind "summarize" with five
// sections:
//   meta       UTF-8 text, "key: value" lines: language (ar|en), features
//              (the feature names the weights belong to, checked at load),
//              then free text saying where the tables come from;
//   weights    u32 count, then count x f64: one weight per feature;
//   stem_df, phrase_df, lexicon   DfTable payloads (df_table.h).
// Loading reads, checksums and indexes the file: a few milliseconds for the
// bundled models.
//
// A SummaryModel is immutable after creation and safe for concurrent use.
#ifndef QALAM_WORKERS_SUMMARIZE_SUMMARY_MODEL_H_
#define QALAM_WORKERS_SUMMARIZE_SUMMARY_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workers/summarize/df_table.h"
#include "workers/summarize/language.h"

namespace qalam {
namespace summarize {

inline constexpr absl::string_view kSummaryModelKind = "summarize";

class SummaryModel {
 public:
  struct Parts {
    Language language = Language::kEnglish;
    std::vector<double> weights;  // kNumFeatures, in kFeatureNames order
    DfTable stem_df;
    DfTable phrase_df;
    DfTable lexicon;
    std::string description;  // where the tables come from; may span lines
  };

  // Validates and takes `parts`. InvalidArgument when the weights are not
  // kNumFeatures finite numbers.
  static absl::StatusOr<std::unique_ptr<SummaryModel>> Create(Parts parts);

  // Reads a model file. NotFound when it cannot be opened; InvalidArgument
  // when it is not a summarize model of this format version; DataLoss when
  // it is truncated or corrupted; FailedPrecondition when it was trained for
  // other features than this build computes. Messages name the file.
  static absl::StatusOr<std::unique_ptr<SummaryModel>> Load(const std::string& path);

  // As Load, from the bytes of a file; `what` names it in errors.
  static absl::StatusOr<std::unique_ptr<SummaryModel>> Parse(std::string bytes,
                                                             absl::string_view what);

  SummaryModel(const SummaryModel&) = delete;
  SummaryModel& operator=(const SummaryModel&) = delete;

  // The model file image, and writing it (atomically, through a rename).
  std::string Serialize() const;
  absl::Status Save(const std::string& path) const;

  // A copy of this model with other tables (e.g. rebuilt from a user's
  // corpus by DfTableBuilder): same language and weights.
  std::unique_ptr<SummaryModel> WithTables(DfTable stem_df, DfTable phrase_df,
                                           DfTable lexicon) const;

  Language language() const { return parts_.language; }
  const std::vector<double>& weights() const { return parts_.weights; }
  const DfTable& stem_df() const { return parts_.stem_df; }
  const DfTable& phrase_df() const { return parts_.phrase_df; }
  const DfTable& lexicon() const { return parts_.lexicon; }
  const std::string& description() const { return parts_.description; }

 private:
  explicit SummaryModel(Parts parts) : parts_(std::move(parts)) {}
  Parts parts_;
};

}  // namespace summarize
}  // namespace qalam

#endif  // QALAM_WORKERS_SUMMARIZE_SUMMARY_MODEL_H_
