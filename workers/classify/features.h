// Hashed text features for the topic classifier, computed from the text
// core's tokens (workers/text/analyzer.h) without building a string per
// token.
//
// Four families, each hashed with its own seed into one table of 2^bits
// buckets:
//   word    the normalised form of every kept token (Token::norm_hash);
//   stem    its light stem (Token::stem_hash);
//   bigram  two consecutive kept tokens (HashCombine of their norm_hash),
//           inside the title and inside the body, never across the two;
//   punct   every punctuation or symbol character of the raw title and
//           body (also those inside hashtags, URLs, numbers: # _ / . ' ...).
// "Kept" tokens are the word-like tokens (words, numbers, URLs, e-mails,
// hashtags, mentions) that are not stop words; stop words are dropped before
// bigrams are formed, so "the Bank of England" gives "bank england". A
// hashtag or mention counts as its '_'-separated parts (#جوني_هاليداي ->
// جوني, هاليداي), each stemmed and stop-word checked like a word.
//
// Per document and family each bucket's count c becomes tf = 1 + ln c, and
// the families' tf values are summed per bucket. TF-IDF weighting and
// normalisation are the model's business (topic_model.h).
//
// The hashes are part of the model format: changing a seed, a family or the
// token rules needs kFeatureScheme bumped.
//
// A FeatureExtractor is immutable and safe for concurrent use; each thread
// passes its own FeatureScratch.
#ifndef QALAM_WORKERS_CLASSIFY_FEATURES_H_
#define QALAM_WORKERS_CLASSIFY_FEATURES_H_

#include <cstdint>
#include <vector>

#include "workers/text/analyzer.h"

namespace qalam {
namespace classify {

// The version of the feature definition above. Model files record it and
// are refused when it differs.
inline constexpr uint32_t kFeatureScheme = 1;

// Bits of FeatureOptions::families.
enum FeatureFamily : uint32_t {
  kFamilyWord = 1u << 0,
  kFamilyStem = 1u << 1,
  kFamilyBigram = 1u << 2,
  kFamilyPunct = 1u << 3,
};
inline constexpr uint32_t kAllFamilies = kFamilyWord | kFamilyStem | kFamilyBigram | kFamilyPunct;

// Smallest and largest hash table sizes (log2 of the number of buckets).
inline constexpr uint32_t kMinBits = 10;
inline constexpr uint32_t kMaxBits = 30;

struct FeatureOptions {
  uint32_t bits = 22;                // 2^bits buckets
  uint32_t families = kAllFamilies;  // FeatureFamily bits
};

// One bucket of a document: its id and summed sublinear tf.
struct BucketTf {
  uint32_t bucket;
  float tf;
};

// Per-thread memory of FeatureExtractor::Extract, reused across documents
// (after the first few documents it allocates nothing).
class FeatureScratch {
 public:
  FeatureScratch() = default;
  FeatureScratch(const FeatureScratch&) = delete;
  FeatureScratch& operator=(const FeatureScratch&) = delete;

 private:
  friend class FeatureExtractor;
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;  // never a bucket (bits <= 30)
  struct Slot {
    uint32_t bucket;
    uint32_t count[4];  // per family
  };
  void Reset(size_t expected);
  void Grow();
  std::vector<Slot> slots_;
  std::vector<uint32_t> used_;  // indices of occupied slots, in insertion order
  uint32_t mask_ = 0;
};

class FeatureExtractor {
 public:
  // REQUIRES: kMinBits <= options.bits <= kMaxBits, options.families is a
  // non-empty subset of kAllFamilies (ValidateFeatureOptions checks).
  explicit FeatureExtractor(FeatureOptions options);

  const FeatureOptions& options() const { return options_; }

  // Replaces `*out` with the document's distinct buckets and their summed tf
  // (in no particular order). `title` may be empty (an AnalyzedText of "").
  // REQUIRES: both were analysed with stems on (AnalyzerOptions::stems, the
  // default); the normaliser options must be those the model was trained
  // with (the defaults, for every model qalam trains).
  void Extract(const text::AnalyzedText& title, const text::AnalyzedText& body,
               FeatureScratch* scratch, std::vector<BucketTf>* out) const;

  // 1 + ln(count), from a table for small counts.
  static float SublinearTf(uint32_t count);

 private:
  void AddText(const text::AnalyzedText& doc, FeatureScratch* s) const;

  FeatureOptions options_;
  uint32_t shift_;  // 64 - bits
};

// OK when `options` satisfies FeatureExtractor's REQUIRES; InvalidArgument
// naming the field otherwise.
absl::Status ValidateFeatureOptions(const FeatureOptions& options);

// Comma-separated family names ("word,stem,bigram,punct"), and back.
std::string FamiliesToString(uint32_t families);

}  // namespace classify
}  // namespace qalam

#endif  // QALAM_WORKERS_CLASSIFY_FEATURES_H_
