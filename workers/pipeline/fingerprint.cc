#include "workers/pipeline/fingerprint.h"

#include "common/hash.h"

namespace qalam {
namespace {

constexpr uint32_t kEmpty = 0xFFFFFFFFu;
constexpr int kBucketShift = 64 - 5;  // log2(kMinHashSize) == 5
static_assert(kMinHashSize == 32, "kBucketShift assumes 32 buckets");

inline void AddShingle(uint64_t h, std::array<uint32_t, kMinHashSize>* sig) {
  // One permutation hashing: the top bits pick the bucket, the low 32 bits
  // are the value whose minimum the bucket keeps.
  h = Fmix64(h);
  const int bucket = static_cast<int>(h >> kBucketShift);
  const uint32_t v = static_cast<uint32_t>(h);
  if (v < (*sig)[bucket]) (*sig)[bucket] = v;
}

}  // namespace

uint64_t CountCodePoints(absl::string_view s) {
  uint64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void ComputeFingerprint(const text::AnalyzedText& doc, ArticleFingerprint* out) {
  out->chars = CountCodePoints(doc.text());
  out->minhash.fill(kEmpty);
  uint64_t h = kHashK0;
  uint64_t w0 = 0, w1 = 0;  // the two previous words' hashes
  uint64_t words = 0;
  for (const text::Token& t : doc.tokens()) {
    if (!text::IsWordLike(t.kind) || t.norm_len == 0) continue;
    const uint64_t w = t.norm_hash;
    h = HashCombine(h, w);
    if (words >= 2) AddShingle(HashCombine(HashCombine(w0, w1), w), &out->minhash);
    w0 = w1;
    w1 = w;
    ++words;
  }
  out->text_hash = HashCombine(h, words);
  if (words == 0) return;
  if (words < 3) {
    // Too short for 3-shingles: use the words themselves.
    for (const text::Token& t : doc.tokens()) {
      if (text::IsWordLike(t.kind) && t.norm_len != 0) AddShingle(t.norm_hash, &out->minhash);
    }
  }
  // Rotation densification: an empty bucket takes the value of the next
  // non-empty one to its right (circularly), mixed with the distance, so
  // that equal shingle sets still give equal signatures.
  const std::array<uint32_t, kMinHashSize> orig = out->minhash;
  for (int i = 0; i < kMinHashSize; ++i) {
    if (orig[i] != kEmpty) continue;
    int dist = 1;
    while (orig[(i + dist) % kMinHashSize] == kEmpty) ++dist;  // ends: one bucket is set
    const uint64_t src = orig[(i + dist) % kMinHashSize];
    out->minhash[i] = static_cast<uint32_t>(Fmix64((src << 8) | static_cast<uint64_t>(dist)));
  }
}

double EstimateJaccard(const std::array<uint32_t, kMinHashSize>& a,
                       const std::array<uint32_t, kMinHashSize>& b) {
  int same = 0, empty_a = 0, empty_b = 0;
  for (int i = 0; i < kMinHashSize; ++i) {
    same += a[i] == b[i];
    empty_a += a[i] == kEmpty;
    empty_b += b[i] == kEmpty;
  }
  if (empty_a == kMinHashSize || empty_b == kMinHashSize) return 0;
  return static_cast<double>(same) / kMinHashSize;
}

}  // namespace qalam
