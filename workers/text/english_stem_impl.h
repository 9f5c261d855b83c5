// The English light stemmer without branches, for the analyser's fast path
// (a short word of ASCII letters held in an SSE2 register). It computes what
// StemEnglishLetters computes; the unit tests compare the two on every word
// shape. Internal to the text core.
#ifndef QALAM_WORKERS_TEXT_ENGLISH_STEM_IMPL_H_
#define QALAM_WORKERS_TEXT_ENGLISH_STEM_IMPL_H_

#include <cstdint>

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

namespace qalam {
namespace text {
namespace internal {

// The first `k` bytes of a string as a little-endian integer: the form in
// which the stemmer compares the end of a word with a suffix.
constexpr uint64_t LeBytes(const char* s, int k) {
  uint64_t v = 0;
  for (int i = 0; i < k; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(s[i])) << (8 * i);
  return v;
}

#if defined(__SSE2__) && defined(__x86_64__)
// StemEnglishLetters for a word of `n` lower-case ASCII letters a-z
// (1 <= n <= 15) held in bytes 0..n-1 of `lower` (the other bytes may hold
// anything). Returns the length of the stem, a prefix of the word.
//
// Why without branches: whether an English word ends in -s, -ed, -ing or -ly
// is as good as random to a branch predictor, and the branchy stemmer
// mispredicted 1.2 times per word. Here every rule is computed and selected
// with arithmetic. The end of the word is kept in one 64-bit register `t`
// with the last letter in the top byte (so "ends with X" is a compare of
// the top bytes), shifted left as letters are removed; a vowel mask with a
// bit per letter answers "is there a vowel before position k".
inline uint32_t StemEnglishShort(__m128i lower, uint32_t n) {
  auto eq = [&](char c) { return _mm_cmpeq_epi8(lower, _mm_set1_epi8(c)); };
  const __m128i aeiou = _mm_or_si128(_mm_or_si128(eq('a'), eq('e')),
                                     _mm_or_si128(_mm_or_si128(eq('i'), eq('o')), eq('u')));
  // 'y' counts as a vowel after the first letter (HasVowel in stemmer.cc).
  const uint32_t vowels = static_cast<uint32_t>(_mm_movemask_epi8(aeiou)) |
                          (static_cast<uint32_t>(_mm_movemask_epi8(eq('y'))) & ~1u);
  // Bit k - 1 and below: letters before position k (k <= 15, clamped at 0).
  auto vowel_before = [&](uint32_t k) -> uint32_t {
    return (vowels & ((1u << k) - 1)) != 0;
  };
  const uint64_t lo = static_cast<uint64_t>(_mm_cvtsi128_si64(lower));
  const uint64_t hi = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(lower, lower)));
  const unsigned __int128 word = static_cast<unsigned __int128>(hi) << 64 | lo;
  // The last (up to) 8 letters, last one in the top byte; zeros below a
  // word of fewer than 8 (every rule checks the length before the letters).
  uint64_t t = static_cast<uint64_t>((word << (8 * (16 - n))) >> 64);
  const uint32_t long4 = n >= 4;  // shorter words are never stemmed

  // 1. -sses -> -ss; -ies -> -i (not "ies" itself); -s unless -ss -us -is.
  const uint32_t last = static_cast<uint32_t>(t >> 56);
  const uint32_t prev = static_cast<uint32_t>(t >> 48) & 0xFF;
  const uint32_t sses = (t >> 32) == LeBytes("sses", 4);
  const uint32_t ies = (t >> 40) == LeBytes("ies", 3);
  const uint32_t keep_s = (prev == 's') | (prev == 'u') | (prev == 'i');
  const uint32_t d1 = (long4 & (last == 's')) *
                      (2 * sses + 2 * ((1 - sses) & ies & (n > 4)) +
                       ((1 - sses) & (1 - ies) & (1 - keep_s)));
  const uint32_t n1 = n - d1;  // >= 2
  t <<= 8 * d1;

  // 2. -ing / -ed (not -eed) / -ly, the first that applies; -ing and -ed
  //    need a vowel before them.
  const uint32_t ing = long4 & (n1 >= 6) & ((t >> 40) == LeBytes("ing", 3)) &
                       vowel_before(n1 >= 3 ? n1 - 3 : 0);
  const uint32_t ed = long4 & (1 - ing) & (n1 >= 5) & ((t >> 48) == LeBytes("ed", 2)) &
                      (((t >> 40) & 0xFF) != 'e') & vowel_before(n1 - 2);
  const uint32_t ly = long4 & (1 - ing) & (1 - ed) & (n1 >= 6) & ((t >> 48) == LeBytes("ly", 2));
  const uint32_t d2 = 3 * ing + 2 * (ed | ly);
  const uint32_t n2 = n1 - d2;
  t <<= 8 * d2;

  // 3. Undouble a final double consonant left by -ing/-ed (running -> run),
  //    but not l, s, z (falling, missed, buzzed).
  const uint32_t c1 = static_cast<uint32_t>(t >> 56);
  const uint32_t c2 = static_cast<uint32_t>(t >> 48) & 0xFF;
  // Bits c - 'a' of a e i o u l s z.
  constexpr uint32_t kNoUndouble = (1u << 0) | (1u << 4) | (1u << 8) | (1u << 14) | (1u << 20) |
                                   (1u << 11) | (1u << 18) | (1u << 25);
  const uint32_t undouble = (ing | ed) & (n2 >= 3) & (c1 == c2) &
                            (1 - ((kNoUndouble >> ((c1 - 'a') & 31)) & 1));
  return n2 - undouble;
}
#endif

}  // namespace internal
}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_ENGLISH_STEM_IMPL_H_
