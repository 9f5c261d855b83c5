#include "workers/pipeline/fingerprint.h"

#include <algorithm>
#include <vector>

#include "common/hash.h"

namespace qalam {
namespace {

constexpr uint32_t kEmpty = 0xFFFFFFFFu;
constexpr int kBucketShift = 64 - 5;  // log2(kMinHashSize) == 5
static_assert(kMinHashSize == 32, "kBucketShift assumes 32 buckets");

// Adds shingle hash `h` when `keep` (without a branch either way).
inline void AddShingle(uint64_t h, bool keep, std::array<uint32_t, kMinHashSize>* sig) {
  // One permutation hashing: the top bits pick the bucket, the low 32 bits
  // are the value whose minimum the bucket keeps. `h` is already mixed.
  const int bucket = static_cast<int>(h >> kBucketShift);
  const uint32_t v = keep ? static_cast<uint32_t>(h) : kEmpty;
  (*sig)[bucket] = std::min((*sig)[bucket], v);
}

}  // namespace

uint64_t CountCodePoints(absl::string_view s) {
  // SWAR: a continuation byte is 10xxxxxx, i.e. bit 7 set and bit 6 clear;
  // count them eight bytes at a time and subtract.
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  uint64_t cont = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t x = LoadLe64(p + i);
    // One flag bit per byte (bit 7); fold the eight flags into the top byte
    // with a multiply (no popcount instruction needed).
    const uint64_t flags = (x & ~(x << 1) & 0x8080808080808080ULL) >> 7;
    cont += (flags * 0x0101010101010101ULL) >> 56;
  }
  for (; i < n; ++i) cont += (p[i] & 0xC0) == 0x80;
  return n - cont;
}

void ComputeFingerprint(const text::AnalyzedText& doc, ArticleFingerprint* out) {
  out->chars = CountCodePoints(doc.text());
  std::array<uint32_t, kMinHashSize> sig;
  sig.fill(kEmpty);
  uint64_t h = kHashK0;
  uint64_t w0 = 0, w1 = 0;  // the two previous words' hashes
  uint64_t words = 0;
  // In chunks: first the word tokens' hashes, gathered without a branch
  // (punctuation, a sixth of the tokens, comes in no predictable pattern),
  // then the words alone. The text hash is a chain of dependent multiplies,
  // one a word; over the words alone it has no select in it, and the
  // shingles, which are independent of one another, run beside it.
  constexpr size_t kChunk = 256;
  uint64_t chunk[kChunk];
  const text::TokenVector& tokens = doc.tokens();
  for (size_t begin = 0; begin < tokens.size(); begin += kChunk) {
    const size_t end = std::min(tokens.size(), begin + kChunk);
    size_t n = 0;
    for (size_t i = begin; i < end; ++i) {
      const text::Token& t = tokens[i];
      chunk[n] = t.norm_hash;
      n += text::IsWordLike(t.kind) & (t.norm_len != 0);
    }
    for (size_t i = 0; i < n; ++i) {
      const uint64_t w = chunk[i];
      // One 64x64->128 multiply per word for each hash: the word hashes are
      // already good hashes, they only need combining in an order-dependent
      // way.
      h = HashMum(h ^ w, kHashK2);
      AddShingle(HashMum(Rotl64(w0, 21) ^ Rotl64(w1, 42) ^ w, kHashK3), words + i >= 2, &sig);
      w0 = w1;
      w1 = w;
    }
    words += n;
  }
  out->minhash = sig;
  out->text_hash = HashCombine(h, words);
  if (words == 0) return;
  if (words < 3) {
    // Too short for 3-shingles: use the words themselves.
    for (const text::Token& t : doc.tokens()) {
      if (text::IsWordLike(t.kind) && t.norm_len != 0) {
        AddShingle(HashMum(t.norm_hash, kHashK3), true, &out->minhash);
      }
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
