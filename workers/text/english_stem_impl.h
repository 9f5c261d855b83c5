// The English light stemmer without branches, for the analyser's fast path
// (a short word of ASCII letters). It computes what StemEnglishLetters
// computes; the unit tests compare the two on every word shape. Internal to
// the text core.
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

// For each last letter of a word (a-z, by position in the alphabet), the
// letters before it with which StemEnglishLetters may shorten the word: any
// but s u i before a final s (plurals; classes, cities, runs but not class,
// bus, this), e before d (-ed), n before g (-ing), l before y (-ly).
struct EnglishStemEnds {
  uint32_t prev[32];
  constexpr EnglishStemEnds() : prev() {
    auto bit = [](char c) { return 1u << (c - 'a'); };
    prev['s' - 'a'] = ((1u << 26) - 1) & ~(bit('s') | bit('u') | bit('i'));
    prev['d' - 'a'] = bit('e');
    prev['g' - 'a'] = bit('n');
    prev['y' - 'a'] = bit('l');
  }
};
inline constexpr EnglishStemEnds kEnglishStemEnds;

// True when StemEnglishLetters may shorten a word of letters a-z whose last
// two letters are `prev` and `last` (lower case) and whose length is n:
// every rule needs n >= 4 and one of the endings above. About five English
// words in six are not candidates (in en-cnn's news; with the last letter
// alone, three in four).
inline bool EnglishStemCandidate(unsigned char prev, unsigned char last, uint32_t n) {
  // One branch for the caller, not three.
  return ((kEnglishStemEnds.prev[(last - 'a') & 31] >> ((prev - 'a') & 31)) &
          static_cast<uint32_t>(n >= 4)) != 0;
}

// StemEnglishLetters for a word of n (4..15) letters a-z, given as
//   t: its last 8 bytes as a little-endian word, the last letter in the top
//      byte; when n < 8 the bytes before the word may hold anything (every
//      rule checks the length before it looks at a letter);
//   first_vowel: the position of its first vowel (a e i o u, or y after
//      the first letter), >= n when it has none.
// Returns the length of the stem, a prefix of the word.
//
// Without branches: whether an English word ends in -s, -ed, -ing or -ly is
// as good as random to a branch predictor (the branchy stemmer mispredicted
// 1.2 times per word). Each rule is computed and selected with arithmetic
// on `t`, which is shifted left as letters are removed so that "ends with
// X" stays a compare of its top bytes.
inline uint32_t StemEnglishTail(uint64_t t, uint32_t n, uint32_t first_vowel) {
  // Each rule is a select between a removal and the removal so far (which
  // compilers turn into conditional moves) or a product of 0/1 conditions.
  constexpr uint32_t kSses = LeBytes("sses", 4), kIes = LeBytes("ies", 3);
  constexpr uint32_t kIng = LeBytes("ing", 3), kEd = LeBytes("ed", 2), kLy = LeBytes("ly", 2);
  // 1. -sses -> -ss; -ies -> -i (but "ties" stays); -s unless -ss -us -is.
  constexpr uint32_t kKeepS = (1u << ('s' - 'a')) | (1u << ('u' - 'a')) | (1u << ('i' - 'a'));
  const uint32_t last4 = static_cast<uint32_t>(t >> 32);
  const uint32_t prev = (last4 >> 16) & 0xFF;
  uint32_t d1 = ((kKeepS >> ((prev - 'a') & 31)) & 1) ^ 1;
  const uint32_t ies_cut = n > 4 ? 2 : 0;
  d1 = (last4 >> 8) == kIes ? ies_cut : d1;
  d1 = last4 == kSses ? 2 : d1;
  d1 &= 0u - static_cast<uint32_t>((last4 >> 24) == 's');
  const uint32_t n1 = n - d1;  // >= 2
  t <<= 8 * d1;
  // 2. The first of -ing (n >= 6), -ed but not -eed (n >= 5), -ly (n >= 6);
  //    -ing and -ed only with a vowel before them. The three endings
  //    exclude one another.
  const uint32_t end3 = static_cast<uint32_t>(t >> 40);
  const uint32_t end2 = end3 >> 8;
  const uint32_t ing = static_cast<uint32_t>(end3 == kIng) & static_cast<uint32_t>(n1 >= 6) &
                       static_cast<uint32_t>(first_vowel + 3 < n1);
  const uint32_t ed = static_cast<uint32_t>(end2 == kEd) &
                      static_cast<uint32_t>((end3 & 0xFF) != 'e') &
                      static_cast<uint32_t>(n1 >= 5) & static_cast<uint32_t>(first_vowel + 2 < n1);
  const uint32_t ly = static_cast<uint32_t>(end2 == kLy) & static_cast<uint32_t>(n1 >= 6);
  const uint32_t d2 = 3 * ing + 2 * (ed | ly);
  const uint32_t n2 = n1 - d2;
  t <<= 8 * d2;
  // 3. Undouble a final double consonant left by -ing/-ed (running -> run)
  //    but not l, s, z (falling, missed, buzzed).
  const uint32_t c1 = static_cast<uint32_t>(t >> 56);
  const uint32_t c2 = static_cast<uint32_t>(t >> 48) & 0xFF;
  constexpr uint32_t kNoUndouble = (1u << 0) | (1u << 4) | (1u << 8) | (1u << 14) | (1u << 20) |
                                   (1u << ('l' - 'a')) | (1u << ('s' - 'a')) | (1u << ('z' - 'a'));
  const uint32_t undouble = (ing | ed) & static_cast<uint32_t>(n2 >= 3) &
                            static_cast<uint32_t>(c1 == c2) &
                            ~(kNoUndouble >> ((c1 - 'a') & 31));
  return n2 - (undouble & 1);
}

#if defined(__SSE2__) && defined(__x86_64__)
// The position of the first vowel of the letters in `lower` (a e i o u, or
// y after position 0), 16 when there is none.
inline uint32_t FirstEnglishVowel(__m128i lower) {
  auto eq = [&](char c) { return _mm_cmpeq_epi8(lower, _mm_set1_epi8(c)); };
  const __m128i aeiou = _mm_or_si128(_mm_or_si128(eq('a'), eq('e')),
                                     _mm_or_si128(_mm_or_si128(eq('i'), eq('o')), eq('u')));
  const uint32_t vowels = static_cast<uint32_t>(_mm_movemask_epi8(aeiou)) |
                          (static_cast<uint32_t>(_mm_movemask_epi8(eq('y'))) & ~1u);
  return static_cast<uint32_t>(__builtin_ctz(vowels | 0x10000u));
}
#endif

}  // namespace internal
}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_ENGLISH_STEM_IMPL_H_
