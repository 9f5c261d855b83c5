// ComputeFingerprint: what it promises (equal for texts that differ only in
// what the normaliser folds, a Jaccard estimate that tracks shared
// shingles) and the exact values of fingerprint version 1, checked against a
// plain transcription of its definition (fingerprint.h): the values are
// stored in part folders and compared across workers, so a faster
// implementation must give the same bits.
#include "workers/pipeline/fingerprint.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "gtest/gtest.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace {

// Fingerprint version 1 as fingerprint.h defines it, written for clarity:
// the words' hashes chained for text_hash; per 3-shingle (or per word when
// there are fewer than 3) one permutation hashing into 32 buckets; empty
// buckets densified by rotation.
ArticleFingerprint Reference(const text::AnalyzedText& doc) {
  constexpr uint32_t kEmpty = 0xFFFFFFFFu;
  ArticleFingerprint out;
  out.chars = CountCodePoints(doc.text());
  out.minhash.fill(kEmpty);
  std::vector<uint64_t> words;
  for (const text::Token& t : doc.tokens()) {
    if (text::IsWordLike(t.kind) && t.norm_len != 0) words.push_back(t.norm_hash);
  }
  uint64_t h = kHashK0;
  for (uint64_t w : words) h = HashMum(h ^ w, kHashK2);
  out.text_hash = HashCombine(h, words.size());
  if (words.empty()) return out;
  auto add = [&](uint64_t x) {
    const int bucket = static_cast<int>(x >> 59);
    out.minhash[bucket] = std::min(out.minhash[bucket], static_cast<uint32_t>(x));
  };
  if (words.size() < 3) {
    for (uint64_t w : words) add(HashMum(w, kHashK3));
  } else {
    for (size_t i = 2; i < words.size(); ++i) {
      add(HashMum(Rotl64(words[i - 2], 21) ^ Rotl64(words[i - 1], 42) ^ words[i], kHashK3));
    }
  }
  const std::array<uint32_t, kMinHashSize> orig = out.minhash;
  for (int i = 0; i < kMinHashSize; ++i) {
    if (orig[i] != kEmpty) continue;
    int dist = 1;
    while (orig[(i + dist) % kMinHashSize] == kEmpty) ++dist;
    const uint64_t src = orig[(i + dist) % kMinHashSize];
    out.minhash[i] = static_cast<uint32_t>(Fmix64((src << 8) | static_cast<uint64_t>(dist)));
  }
  return out;
}

ArticleFingerprint Of(const std::string& text) {
  text::Analyzer analyzer;
  text::AnalyzedText doc;
  EXPECT_TRUE(analyzer.Analyze(text, &doc).ok());
  ArticleFingerprint fp;
  ComputeFingerprint(doc, &fp);
  const ArticleFingerprint ref = Reference(doc);
  EXPECT_EQ(fp.chars, ref.chars) << text;
  EXPECT_EQ(fp.text_hash, ref.text_hash) << text;
  EXPECT_EQ(fp.minhash, ref.minhash) << text;
  return fp;
}

TEST(FingerprintTest, MatchesTheDefinitionOnShortAndLongTexts) {
  const std::vector<std::string> texts = {
      "",
      "...",
      "!!! ؟؟ ... ***",
      "one",
      "two words",
      "three words here",
      "Four, words. Here: now!",
      "الرئيس يزور القاهرة",
      "قال الرئيس، في مؤتمر صحفي: إن الاقتصاد «ينمو» بنسبة 3.5% هذا العام.",
      "Email a@b.com, visit https://example.com/x?y=1 #news @user 1,000.5 ٣٫٥",
  };
  for (const std::string& t : texts) Of(t);
  // Long texts: thousands of words with punctuation between them, so that
  // every bucket sees many candidates and many are replaced.
  std::string ar, en;
  for (int i = 0; i < 3000; ++i) {
    absl::StrAppend(&en, "word", i % 97, (i % 7 == 0) ? ", " : " ", (i % 13 == 0) ? ". " : "");
    absl::StrAppend(&ar, "كلمة", i % 89, (i % 5 == 0) ? "، " : " ", (i % 11 == 0) ? ". " : "");
  }
  Of(en);
  Of(ar);
}

TEST(FingerprintTest, EqualForWhatTheNormaliserFolds) {
  const ArticleFingerprint a = Of("قال الرئيس إن الاقتصاد ينمو بسرعة كبيرة هذا العام");
  const ArticleFingerprint b = Of("قالَ  الرئيسُ، إن الاقتصادَ ينمو بسرعةٍ كبيرة... هذا العام!");
  EXPECT_EQ(a.text_hash, b.text_hash);
  EXPECT_EQ(a.minhash, b.minhash);
  const ArticleFingerprint c = Of("The Markets fell sharply on Monday after the report");
  const ArticleFingerprint d = Of("the markets FELL sharply, on Monday -- after the report.");
  EXPECT_EQ(c.text_hash, d.text_hash);
  EXPECT_EQ(c.minhash, d.minhash);
  EXPECT_NE(a.text_hash, c.text_hash);
}

TEST(FingerprintTest, JaccardTracksSharedShingles) {
  std::string base, edited, other;
  for (int i = 0; i < 400; ++i) {
    absl::StrAppend(&base, "w", i, " ");
    absl::StrAppend(&edited, i % 50 == 0 ? "changed" : "w", i, " ");  // 2% of words changed
    absl::StrAppend(&other, "x", i, " ");
  }
  const ArticleFingerprint a = Of(base), b = Of(edited), c = Of(other);
  EXPECT_NE(a.text_hash, b.text_hash);
  EXPECT_GE(EstimateJaccard(a.minhash, b.minhash), 0.7);
  EXPECT_LE(EstimateJaccard(a.minhash, c.minhash), 0.1);
  EXPECT_EQ(EstimateJaccard(a.minhash, a.minhash), 1.0);
  // No words: an empty signature, nobody's near duplicate.
  const ArticleFingerprint e = Of("... !!!");
  EXPECT_EQ(EstimateJaccard(e.minhash, e.minhash), 0.0);
}

}  // namespace
}  // namespace qalam
