// Builds the summariser's models from the project's corpora (JSON Lines with
// id, title, text and, for the summarisation sets, summary or
// summary_sentences): the clitic lexicon and document-frequency tables from
// the train splits, oracle labels from a C++ ROUGE (rouge.h), and the
// pairwise ranker's weights (ranker.h). Also evaluates a Summarizer on a
// split with the same ROUGE, for quick checks (the figures the project
// reports come from /work/shared/eval/rouge.py; see bench/README.md).
//
// Functions here are independent of each other and keep no state:
// thread-compatible.
#ifndef QALAM_WORKERS_SUMMARIZE_TRAIN_TRAINER_H_
#define QALAM_WORKERS_SUMMARIZE_TRAIN_TRAINER_H_

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "workers/summarize/language.h"
#include "workers/summarize/summarizer.h"
#include "workers/summarize/summary_model.h"
#include "workers/summarize/train/ranker.h"
#include "workers/summarize/train/rouge.h"

namespace qalam {
namespace summarize {

// One JSONL record of the corpora.
struct CorpusRecord {
  std::string id;
  std::string title;
  std::string text;
  bool has_summary = false;
  std::string summary;
  std::vector<std::string> summary_sentences;
};

// Calls `fn` for each record of `path`. NotFound when the file cannot be
// opened; InvalidArgument (naming the line) for a malformed record.
absl::Status ForEachRecord(const std::string& path,
                           const std::function<void(const CorpusRecord&)>& fn);

// A summarisation set: which rows, which reference, which K.
struct SummarySet {
  std::string task;  // folder under the data directory
  int k = 3;
  bool sentences_ref = false;  // reference = summary_sentences joined by " " (else summary)
};

// What a language's model is learned from.
struct LanguageRecipe {
  Language language;
  std::vector<std::string> table_tasks;  // lexicon and DF tables (train splits)
  std::vector<SummarySet> summary_sets;  // the ranker (train splits)
};

// ar: tables from ar-multi + ar-ant, ranker on ar-multi (K=1);
// en: tables from en-cnn + en-bbc + en-ag, ranker on en-cnn (K=3,
// summary_sentences) + en-bbc (K=5).
LanguageRecipe RecipeFor(Language lang);

struct TrainOptions {
  std::string data_dir;            // <data_dir>/<task>/train.jsonl
  uint32_t min_lexicon_count = 3;  // Arabic words kept in the lexicon
  uint32_t min_phrase_df = 2;      // phrases (2-4 words) kept in the keyword table
  uint32_t min_word_df = 1;        // single words kept in the keyword table
  uint32_t min_stem_df = 1;        // stems kept in the summariser's table
  RankerOptions ranker;
  // When > 1: also cross-validate the ranker on the train articles (fold =
  // article index mod cv_folds within each set; the tables are not
  // re-learned per fold) and log ROUGE of Summary::text-style output
  // against Lead-K.
  int cv_folds = 0;
  std::ostream* log = nullptr;  // progress lines, or null
};

// Learns the model of `lang`. Errors: reading the corpora, or fitting.
absl::StatusOr<std::unique_ptr<SummaryModel>> TrainModel(Language lang,
                                                         const TrainOptions& options);

struct EvalResult {
  std::string task;
  size_t articles = 0;
  RougeScores summary_text;  // ours, Summary::text (mean F1, 0..1)
  RougeScores summary;       // ours, the chosen sentences as they are
  RougeScores lead;          // Lead-K of the same sentences
};

// Summarises the rows of <data_dir>/<set.task>/<split>.jsonl (rows with a
// reference) with `summarizer` and scores them.
absl::StatusOr<EvalResult> EvaluateSet(const Summarizer& summarizer, Language lang,
                                       const SummarySet& set, const std::string& data_dir,
                                       const std::string& split, SummaryOptions options);

}  // namespace summarize
}  // namespace qalam

#endif  // QALAM_WORKERS_SUMMARIZE_TRAIN_TRAINER_H_
