// Document-frequency tables for summaries and keywords, and the builders that
// learn them from a corpus.
//
// A DfTable maps 64-bit term keys to counts: for the summariser's table the
// number of documents whose title or body contains a content stem; for the
// keyword table the same for words and 1-4-word candidate phrases; for the
// clitic lexicon the number of occurrences of each normalised Arabic word.
// What the keys are is part of the model format:
//   stem table:    Token::stem_hash of content words (see SummaryTerms in
//                  terms.h: not a stop word, at least 2 characters);
//   keyword table: KeywordTokens' keys (terms.h), an n-gram's key being
//                  NgramKey of its words' keys;
//   lexicon:       Token::norm_hash of Arabic words.
//
// A DfTable is immutable after construction and safe for concurrent use.
// The builders are not thread-safe: one per thread (or feed one from a
// single thread).
//
// Rebuilding the keyword table from your own corpus (what `qalam train`
// can do for a user's news):
//
//   text::Analyzer analyzer;                 // default options: stems, sentences
//   const SummaryModel& base = ...;          // e.g. the bundled model
//   DfTableBuilder builder(&base.lexicon()); // keyword keys need the lexicon
//   for (each article) {
//     analyzer.Analyze(title, &title_doc); analyzer.Analyze(body, &body_doc);
//     builder.AddDocument(title_doc, body_doc);
//   }
//   std::unique_ptr<SummaryModel> model = base.WithTables(
//       builder.BuildStemDf(), builder.BuildPhraseDf(), base.lexicon().Copy());
//   QALAM_RETURN_IF_ERROR(model->Save("my-summarize-ar.bin"));
//
// To learn the lexicon from the same corpus as well, run a LexiconBuilder
// over it first and give its table to the DfTableBuilder.
#ifndef QALAM_WORKERS_SUMMARIZE_DF_TABLE_H_
#define QALAM_WORKERS_SUMMARIZE_DF_TABLE_H_

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workers/summarize/hash_table.h"
#include "workers/summarize/terms.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace summarize {
namespace internal {

// std::log of a small count, from a table filled at run time by the same
// libm call (see df_table.cc): equal to std::log(static_cast<double>(k)).
inline constexpr uint32_t kLogTableSize = 1024;
const double* MakeLogTable();
inline double LogCount(uint64_t k) {
  static const double* const table = MakeLogTable();
  return k < kLogTableSize ? table[k] : std::log(static_cast<double>(k));
}

}  // namespace internal

class DfTable {
 public:
  // An empty table over no documents: every Idf is 1.
  DfTable() = default;
  // REQUIRES: the keys of `entries` are distinct.
  DfTable(uint64_t num_docs, const std::vector<std::pair<uint64_t, uint32_t>>& entries);

  DfTable(DfTable&&) = default;
  DfTable& operator=(DfTable&&) = default;
  // Tables are large: copies are explicit.
  DfTable Copy() const { return DfTable(num_docs_, SortedEntries()); }

  uint64_t num_docs() const { return num_docs_; }
  size_t size() const { return table_.size(); }

  // The count of `key` (0 when absent).
  uint32_t Count(uint64_t key) const { return table_.Find(key); }

  // ln((N + 1) / (df + 1)) + 1, N = num_docs(): the smoothed idf of
  // scikit-learn's TfidfVectorizer; unknown terms get the highest value.
  double Idf(uint64_t key) const {
    // log(count + 1): the double sum is exact, so LogCount gives the same.
    return log_n1_ - internal::LogCount(uint64_t{table_.Find(key)} + 1) + 1.0;
  }

  void Prefetch(uint64_t key) const { table_.Prefetch(key); }

  std::vector<std::pair<uint64_t, uint32_t>> SortedEntries() const {
    return table_.SortedEntries();
  }

  // The section payload: u64 num_docs, u64 n, n x u64 keys (ascending),
  // n x u32 counts.
  std::string Serialize() const;

  // Parses a Serialize() payload; `what` names it in errors (DataLoss when
  // the payload is short, long, or its keys are not strictly ascending).
  static absl::StatusOr<DfTable> Parse(absl::string_view payload, absl::string_view what);

 private:
  internal::CountTable table_;
  uint64_t num_docs_ = 0;
  double log_n1_ = 0;  // ln(num_docs + 1)
};

// Counts normalised Arabic words over a corpus: the clitic lexicon that
// tells the keyword extractor whether "و" + word is a conjunction or part of
// the word (وبريطانيا vs وزير).
class LexiconBuilder {
 public:
  LexiconBuilder() = default;
  LexiconBuilder(const LexiconBuilder&) = delete;
  LexiconBuilder& operator=(const LexiconBuilder&) = delete;

  // Counts the Arabic words of `doc` (a title or a body).
  void AddText(const text::AnalyzedText& doc);

  // The words seen at least `min_count` times; num_docs() = texts added.
  DfTable Build(uint32_t min_count = 3) const;

 private:
  absl::flat_hash_map<uint64_t, uint32_t> counts_;
  uint64_t texts_ = 0;
};

// Learns the summariser's stem table and the keyword table from a corpus.
class DfTableBuilder {
 public:
  // `lexicon` (may be null: no lexicon-based clitic stripping) must outlive
  // the builder; keyword keys depend on it, so use the lexicon the tables
  // will be shipped with.
  explicit DfTableBuilder(const DfTable* lexicon) : lexicon_(lexicon) {}
  DfTableBuilder(const DfTableBuilder&) = delete;
  DfTableBuilder& operator=(const DfTableBuilder&) = delete;

  // Adds one document. REQUIRES: both were analysed with stems and
  // sentences on (text::AnalyzerOptions' defaults); `title` may be empty.
  void AddDocument(const text::AnalyzedText& title, const text::AnalyzedText& body);

  uint64_t num_docs() const { return docs_; }

  // Content stems with df >= min_df.
  DfTable BuildStemDf(uint32_t min_df = 1) const;
  // Keyword keys: single words with df >= min_word_df, phrases of 2-4 words
  // with df >= min_phrase_df (rare phrases are pruned: unknown phrases get
  // the highest idf anyway).
  DfTable BuildPhraseDf(uint32_t min_phrase_df = 2, uint32_t min_word_df = 1) const;

 private:
  struct Entry {
    uint32_t df = 0;
    uint32_t last_doc = 0;  // 1 + the document that last counted it
    bool phrase = false;
  };
  const DfTable* lexicon_;
  absl::flat_hash_map<uint64_t, Entry> stems_;
  absl::flat_hash_map<uint64_t, Entry> phrases_;
  uint64_t docs_ = 0;
  std::vector<internal::KeywordToken> tokens_;  // scratch
};

}  // namespace summarize
}  // namespace qalam

#endif  // QALAM_WORKERS_SUMMARIZE_DF_TABLE_H_
