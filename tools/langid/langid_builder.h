// Builds the language identifier's model (models/langid.bin) from the news
// train splits and the project's own word lists, with no Python involved.
// The C++ port of the research prototype's count_news.py + model.py +
// export.py (see models/README.md, "Language identification").
//
//   ModelBuilder b;                                  // builds the char table from ICU
//   b.AddNews(Target::kEnglish, title, text);        // every en train article
//   b.AddNews(Target::kArabic, title, text);         // every ar train article
//   b.AddListFiles("fr", words, sentences);          // the ten lists
//   QALAM_ASSIGN_OR_RETURN(langid::Model m, b.Build());
//
// Tables (B = 2^16 buckets per script):
//   en, ar: smoothed n-gram frequencies of the news: P(b) = (c_b + 0.5) / (N + 0.5 B).
//     ar is mixed 0.95 / 0.05 with the same text typed on a Persian keyboard
//     (ي ى -> ی, ك -> ک, ه -> ھ).
//   fr es de it pt nl fa ur ckb ps: weighted n-gram counts of the word lists
//     (tier weights 20 / 4 / 1; each word of the own sentences adds 2;
//     fa/ur/ckb/ps words also spelled with Arabic yeh and kaf at 0.3 x the
//     weight), P(b) = (c_b + 0.2) / (N + 0.2 B); the Latin ones are mixed
//     0.9 / 0.1 with the English news model, so that names and international
//     words, which the lists never saw, are not strong evidence for English.
//   Each language row is quantised to uint8 between its min and max.
//
// A ModelBuilder is not thread-safe; one thread feeds it.
#ifndef QALAM_TOOLS_LANGID_LANGID_BUILDER_H_
#define QALAM_TOOLS_LANGID_LANGID_BUILDER_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workers/text/langid_model.h"

namespace qalam {
namespace langid_build {

// The recipe's constants. The defaults are the shipped model's; the
// decision thresholds in `params` were set for these table sizes and this
// smoothing, so changing any of them means re-measuring (see models/README.md).
struct BuildOptions {
  uint32_t bits_lat = 16;
  uint32_t bits_ara = 16;
  double alpha_news = 0.5;                          // additive smoothing of the news tables
  double alpha_list = 0.2;                          // additive smoothing of the list tables
  std::array<double, 3> tier_w = {20.0, 4.0, 1.0};  // list word weight per tier
  double sent_w = 2.0;                              // weight of a word occurrence in own sentences
  double variant_w = 0.3;                           // fa/ur/ckb/ps yeh/kaf variant, x the weight
  double ar_var = 0.05;                             // share of the Persian-keyboard variant in ar
  double mix_lat = 0.1;                             // share of the English news model in fr..nl
  text::langid::Params params;                      // decision parameters written to the model
};

enum class Target { kEnglish, kArabic };

// Counts of what went into a model, for the build log.
struct BuildStats {
  uint64_t en_articles = 0, en_ngrams = 0;
  uint64_t ar_articles = 0, ar_ngrams = 0;
  std::map<std::string, uint64_t> list_words;      // distinct listed words
  std::map<std::string, uint64_t> sentence_words;  // word occurrences in sentences
};

// The character table of the model, generated from ICU's Unicode data:
// whitespace (Python's str.isspace set), skipped marks, separators, Latin
// letters lower-cased, Arabic letters (presentation forms folded by NFKC to
// their first letter) and letters of other scripts. Fills page_index and
// pages of `*model`. Internal error if ICU's whitespace differs from the
// format's (langid::IsSpaceCodePoint).
absl::Status BuildCharTable(text::langid::Model* model);

class ModelBuilder {
 public:
  explicit ModelBuilder(BuildOptions options = BuildOptions());

  ModelBuilder(const ModelBuilder&) = delete;
  ModelBuilder& operator=(const ModelBuilder&) = delete;

  // Counts the n-grams of the target script's words in title + "\n" + text
  // (Latin words for kEnglish, Arabic-script words for kArabic).
  void AddNews(Target target, absl::string_view title, absl::string_view text);

  // Adds the word list of language `lang` (one of fr es de it pt nl fa ur
  // ckb ps) from the contents of <lang>.txt (tiers "[1]" "[2]" "[3]" then
  // space-separated words; '#' lines are comments) and <lang>.sent.txt (one
  // own sentence a line; may be empty). InvalidArgument for an unknown
  // language, a language given twice, words before a tier header or a tier
  // other than 1..3.
  absl::Status AddListFiles(absl::string_view lang, absl::string_view words,
                            absl::string_view sentences);

  // Builds the model. FailedPrecondition when the char table could not be
  // built, when a list is missing or when one of the news targets has no
  // n-gram at all.
  absl::StatusOr<text::langid::Model> Build() const;

  const BuildStats& stats() const { return stats_; }

 private:
  BuildOptions options_;
  absl::Status chars_status_;
  text::langid::Model chars_;  // only page_index and pages are set
  std::vector<double> en_, ar_, ar_variant_;
  std::map<std::string, std::vector<double>> lists_;  // by language
  BuildStats stats_;
};

// Reads a JSON Lines file of news articles (fields `text`, and `title` when
// present) into `builder`. NotFound when the file cannot be opened;
// InvalidArgument naming the line for malformed JSON or a missing `text`.
absl::Status AddNewsFile(const std::string& path, Target target, ModelBuilder* builder);

// Reads <dir>/<lang>.txt and, when present, <dir>/<lang>.sent.txt for the
// ten other languages.
absl::Status AddListDir(const std::string& dir, ModelBuilder* builder);

}  // namespace langid_build
}  // namespace qalam

#endif  // QALAM_TOOLS_LANGID_LANGID_BUILDER_H_
