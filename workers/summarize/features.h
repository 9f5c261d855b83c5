// The summariser's per-sentence features (51, all O(tokens) per article):
// position, paragraph structure, length, title overlap, tf-idf centrality,
// SumBasic, surface cues, and their interactions with the article's style
// (sentences per paragraph). The definitions follow the summariser recipe
// (docs in models/README.md and the recipe's feature table), computed from
// the text core's sentences, tokens, stems and stop words.
//
// A FeatureExtractor is immutable after construction and safe for concurrent
// use; each thread passes its own FeatureScratch.
#ifndef QALAM_WORKERS_SUMMARIZE_FEATURES_H_
#define QALAM_WORKERS_SUMMARIZE_FEATURES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "workers/summarize/df_table.h"
#include "workers/summarize/hash_table.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace summarize {

inline constexpr int kNumFeatures = 51;

// Feature names, in the order of the feature vector (and of model weights).
extern const char* const kFeatureNames[kNumFeatures];

// The names joined by ',': stored in model files and checked at load, so a
// model trained for other features is refused.
std::string FeatureSetSignature();

// Per-article work memory, reused across articles. Not thread-safe.
struct FeatureScratch {
  // Row-major n x kNumFeatures.
  std::vector<double> x;
  // Per sentence.
  std::vector<uint32_t> words;      // word-like tokens
  std::vector<uint8_t> junk;        // byline, caption, boilerplate, headline-like line
  std::vector<uint32_t> vec_begin;  // tf-idf vector: vec[vec_begin[i], vec_begin[i + 1])
  std::vector<std::pair<uint32_t, double>> vec;  // (term id, L2-normalised weight)
  bool dateline0 = false;                        // sentence 0 starts with a dateline
  size_t dateline0_bytes = 0;

  // Internal.
  internal::ScratchIndex terms;
  internal::ScratchIndex title_terms;
  std::vector<uint32_t> occ;  // term ids of content tokens, sentence by sentence
  std::vector<uint32_t> occ_begin;
  std::vector<uint32_t> tf;
  std::vector<double> idf, ssum, cent, dense;
  std::vector<uint32_t> mark, cnt;
  std::vector<uint32_t> para, in_para;
  std::vector<double> cos_c, centr, sb, tis, tmp, overlap, distinct;
  std::vector<double> cent_rank, sb_rank, w_rank, words_d, title_key, title_rank;
  std::vector<uint32_t> order;
  std::vector<uint8_t> flags;
};

// Which rules mark a sentence as junk (FeatureScratch::junk), a sentence the
// summariser takes only when better ones run out. Not features: the learned
// scorer does not see them.
struct JunkRules {
  bool boilerplate = true;     // IsBoilerplate (text_cues.h)
  bool byline_caption = true;  // IsBylineOrCaption
  int headline_words = 8;      // a line without final punctuation, fewer words than this
  bool title_copy = true;      // the line repeats the title
};

class FeatureExtractor {
 public:
  // `stem_df` must outlive the extractor.
  explicit FeatureExtractor(const DfTable* stem_df) : stem_df_(stem_df) {}

  // Computes the features of every sentence of `body` into scratch->x (and
  // the per-sentence data of FeatureScratch, junk by `junk`). `title` may be
  // empty. REQUIRES: both analysed with stems and sentences on.
  void Compute(const text::AnalyzedText& title, const text::AnalyzedText& body,
               const JunkRules& junk, FeatureScratch* scratch) const;

 private:
  const DfTable* stem_df_;
};

}  // namespace summarize
}  // namespace qalam

#endif  // QALAM_WORKERS_SUMMARIZE_FEATURES_H_
