// Article fingerprints for duplicate detection, computed from an analysed
// text (so the words are already found and hashed: this adds a few
// nanoseconds per word to an annotation).
//
//  * text_hash: equal for exact duplicates, i.e. articles whose sequences of
//    normalised word forms are equal (spacing, punctuation, diacritics and
//    letter variants that the normaliser folds do not matter).
//  * minhash: a MinHash signature of the set of word 3-shingles, by one
//    permutation hashing (Li, Owen & Zhang 2012) into kMinHashSize buckets
//    with rotation densification (Shrivastava & Li 2014) for empty buckets.
//    The fraction of positions where two signatures agree estimates the
//    Jaccard similarity of the two shingle sets.
//
// The definitions are part of what a worker returns (RecordStats in
// worker.proto) and what part directories store for `qalam merge`: change
// them only together with kFingerprintVersion.
//
// Pure functions; thread-safe.
#ifndef QALAM_WORKERS_PIPELINE_FINGERPRINT_H_
#define QALAM_WORKERS_PIPELINE_FINGERPRINT_H_

#include <array>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "workers/text/analyzer.h"

namespace qalam {

inline constexpr int kMinHashSize = 32;
inline constexpr uint32_t kFingerprintVersion = 1;

struct ArticleFingerprint {
  uint64_t chars = 0;      // Unicode code points in the text
  uint64_t text_hash = 0;  // see above
  // All 0xFFFFFFFF when the text has no words (then it is nobody's near
  // duplicate).
  std::array<uint32_t, kMinHashSize> minhash{};
};

// Computes the fingerprint of `doc`, the analysis of its text.
void ComputeFingerprint(const text::AnalyzedText& doc, ArticleFingerprint* out);

// Code points in valid UTF-8 `s` (bytes that are not continuation bytes).
uint64_t CountCodePoints(absl::string_view s);

// The estimated Jaccard similarity of two signatures: matching positions /
// kMinHashSize. 0 when either signature is empty.
double EstimateJaccard(const std::array<uint32_t, kMinHashSize>& a,
                       const std::array<uint32_t, kMinHashSize>& b);

}  // namespace qalam

#endif  // QALAM_WORKERS_PIPELINE_FINGERPRINT_H_
