// The Arabic light stemmer's algorithm, for the stemmer and for the
// analyser's fast path, which runs it on a word held in a register.
// Internal to the text core.
#ifndef QALAM_WORKERS_TEXT_ARABIC_STEM_IMPL_H_
#define QALAM_WORKERS_TEXT_ARABIC_STEM_IMPL_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "workers/text/stemmer.h"

namespace qalam {
namespace text {
namespace internal {

// Normalised Arabic letters are two bytes each in UTF-8 (U+0620-U+06FF:
// lead byte 0xD8-0xDB), so the stemmer works on 16-bit letter codes: the two
// bytes of a letter, lead byte high (and M() below converts them to memory
// order).
constexpr uint16_t L(unsigned char a, unsigned char b) {
  return static_cast<uint16_t>(a << 8 | b);
}
constexpr uint16_t kAlef = L(0xD8, 0xA7);   // ا
constexpr uint16_t kBeh = L(0xD8, 0xA8);    // ب
constexpr uint16_t kTehM = L(0xD8, 0xA9);   // ة
constexpr uint16_t kTeh = L(0xD8, 0xAA);    // ت
constexpr uint16_t kFeh = L(0xD9, 0x81);    // ف
constexpr uint16_t kKaf = L(0xD9, 0x83);    // ك
constexpr uint16_t kLam = L(0xD9, 0x84);    // ل
constexpr uint16_t kNoon = L(0xD9, 0x86);   // ن
constexpr uint16_t kHeh = L(0xD9, 0x87);    // ه
constexpr uint16_t kWaw = L(0xD9, 0x88);    // و
constexpr uint16_t kYeh = L(0xD9, 0x8A);    // ي

// The stemmer reads letters in memory order, without byte swaps: letter i
// is the little-endian 16-bit word at p + 2i (lead byte in the low half),
// and M() gives a letter's code in that form.
constexpr uint16_t M(uint16_t letter) {
  return static_cast<uint16_t>((letter >> 8) | (letter & 0xFF) << 8);
}
// Letters a, b (in this order) as one 32-bit memory-order word.
constexpr uint32_t MPair(uint16_t a, uint16_t b) {
  return M(a) | static_cast<uint32_t>(M(b)) << 16;
}

// Letters in memory.
struct MemLetters {
  const unsigned char* p;
  // Letters i and i + 1 (letter i in the low half).
  uint32_t At2(size_t i) const {
    uint32_t v;
    std::memcpy(&v, p + 2 * i, 4);
    return v;
  }
};

// The first four letters (8 bytes) of a word of `bytes` bytes at p, zeros
// beyond it, without reading past it.
inline uint64_t ArabicHead(const unsigned char* p, size_t bytes) {
  uint64_t v = 0;
  std::memcpy(&v, p, bytes < 8 ? bytes : 8);
  return v;
}

// A word's last four letters as a little-endian word (memory order, the
// last letter in the top 16 bits), zeros before the word's first: the
// suffix steps below read only these. For a word of `bytes` (at least 2)
// bytes at p, with 8 readable bytes at p. One load, never before p (for
// the analyser, whose 16-byte store of the word it reads back: a load that
// also covered bytes before the store could not be forwarded from it).
inline uint64_t ArabicLast4Padded(const unsigned char* p, size_t bytes) {
  const size_t off = bytes >= 8 ? bytes - 8 : 0;
  uint64_t v;
  std::memcpy(&v, p + off, 8);
  return v << (8 * (off + 8 - bytes));
}

// ArabicLast4Padded reading only the word's `bytes` bytes at p (which may
// be none: a word of tatweel alone normalises to nothing).
inline uint64_t ArabicLast4(const unsigned char* p, size_t bytes) {
  if (bytes >= 8) return ArabicLast4Padded(p, bytes);
  if (bytes < 2) return 0;
  unsigned char buf[8] = {};
  std::memcpy(buf, p, bytes);
  return ArabicLast4Padded(buf, bytes);
}

// A set of up to 2^kBits 16- or 32-bit letter codes (memory order), placed
// by a multiplicative hash chosen so that they fall in different slots:
// membership is one multiply, one load and one compare, without a branch.
template <typename T, int kBits, uint32_t kMul>
struct LetterSet {
  static constexpr uint32_t Slot(uint32_t x) { return (x * kMul) >> (32 - kBits); }
  T slots[1 << kBits];
  bool ok;  // no two members share a slot, and none is 0
  template <size_t N>
  constexpr explicit LetterSet(const T (&members)[N]) : slots(), ok(true) {
    for (T x : members) {
      if (x == 0 || slots[Slot(x)] != 0) ok = false;
      slots[Slot(x)] = x;
    }
  }
  // Empty slots hold 0, which no letter is.
  bool Has(T x) const { return slots[Slot(x)] == x; }
};

// The two-letter suffixes ها ان ات ون ين يه ية, in Light10's order.
inline constexpr uint32_t kPairSuffixList[] = {
    MPair(kHeh, kAlef), MPair(kAlef, kNoon), MPair(kAlef, kTeh), MPair(kWaw, kNoon),
    MPair(kYeh, kNoon), MPair(kYeh, kHeh),   MPair(kYeh, kTehM)};
inline constexpr LetterSet<uint32_t, 4, 0x165667B1u> kPairSuffixes(kPairSuffixList);
// The last two letters left after a two-letter suffix, for which the usual
// case does not hold: another two-letter suffix (which Light10 removes too
// if it comes later in the list), or ةه (the one-letter steps could go on
// to a fifth letter from the end).
inline constexpr uint32_t kAfterPairSuffixList[] = {
    MPair(kHeh, kAlef), MPair(kAlef, kNoon), MPair(kAlef, kTeh), MPair(kWaw, kNoon),
    MPair(kYeh, kNoon), MPair(kYeh, kHeh),   MPair(kYeh, kTehM), MPair(kTehM, kHeh)};
inline constexpr LetterSet<uint32_t, 4, 0x165667B1u> kAfterPairSuffix(kAfterPairSuffixList);
// The one-letter steps remove ه, then ة, then ي: the letters they remove
// at the end of a word read, in order, as one of ي ة ه يه ية ةه يةه. So
// how many they would remove (the budget aside) is: one if the last letter
// is ه ة or ي, one more if the last two are ةه يه or ية, one more if the
// last three are يةه.
inline constexpr uint16_t kOneLetterSuffixList[] = {M(kHeh), M(kTehM), M(kYeh)};  // in order
inline constexpr LetterSet<uint16_t, 2, 0x165667B1u> kOneLetterSuffixes(kOneLetterSuffixList);
inline constexpr uint32_t kOneLetterPairList[] = {MPair(kTehM, kHeh), MPair(kYeh, kHeh),
                                                  MPair(kYeh, kTehM)};
inline constexpr LetterSet<uint32_t, 2, 0x27D4EB2Fu> kOneLetterPairs(kOneLetterPairList);
static_assert(kPairSuffixes.ok && kAfterPairSuffix.ok && kOneLetterSuffixes.ok &&
                  kOneLetterPairs.ok,
              "each letter set needs a multiplier that gives its members slots of their own");

// Light10's suffix steps as stemmer.h states them, on the letters [b, e):
// each suffix in order, at most once. The stemmer below computes the usual
// case without branches, and comes here for the rare word whose last four
// letters it does not cover (سياساتها). REQUIRES: e - b >= 2.
template <typename Letters>
__attribute__((noinline)) size_t StripArabicSuffixes(const Letters& w, size_t b, size_t e) {
  uint32_t tail = w.At2(e - 2);  // the last letter in the high half
  for (uint32_t suffix : kPairSuffixList) {
    if (tail == suffix && e - b >= 4) {
      e -= 2;
      tail = w.At2(e - 2);  // e - 2 >= b: in bounds
    }
  }
  for (uint16_t suffix : kOneLetterSuffixList) {
    if (static_cast<uint16_t>(tail >> 16) == suffix && e - b >= 3) {
      --e;
      tail = w.At2(e - 2);
    }
  }
  return e;
}

// Light10 (see stemmer.h) on `letters` normalised Arabic letters at w.
// head: the first four letters as a little-endian word (memory order;
// anything beyond the word); last4: the last four (ArabicLast4). The
// analyser's fast path has the first in a register.
template <typename Letters>
inline StemSpan StemArabicWord(const Letters& w, size_t letters, uint64_t head, uint64_t last4) {
  // Every step below is computed, not branched on: whether a word has the
  // article (about 40% do) or a suffix (a third) is unpredictable. Words
  // of fewer than 3 letters need no test of their own: every step needs
  // more letters than they have.
  // The letters compared, in memory order (constants: clang warns about
  // '|' and '&' on comparisons with calls in them).
  constexpr uint16_t kMWaw = M(kWaw), kMBeh = M(kBeh), kMKaf = M(kKaf), kMFeh = M(kFeh);
  constexpr uint32_t kMAlefLam = MPair(kAlef, kLam);
  // 1. Conjunction و, keeping at least 3 letters.
  const uint32_t waw = (static_cast<uint16_t>(head) == kMWaw) & (letters >= 4);
  const uint64_t rest = head >> (16 * waw);  // the letters after it
  const size_t n = letters - waw;
  const uint16_t c0 = static_cast<uint16_t>(rest);
  const uint32_t c12 = static_cast<uint32_t>(rest >> 16);
  // 2. Article forms (longest first), keeping at least 2 letters. وال بال
  //    كال فال need letters 1-2 to be ال, which about one word in a
  //    hundred has: that test may branch.
  uint32_t three = 0;
  if (c12 == kMAlefLam) {
    three = ((c0 == kMWaw) | (c0 == kMBeh) | (c0 == kMKaf) | (c0 == kMFeh)) & (n >= 5);
  }
  // لل ال (never with three: its letter 1 is ا, not ل), as two compares
  // of letters 0-1 at once.
  constexpr uint32_t kMLamLam = MPair(kLam, kLam), kMAlefLam0 = MPair(kAlef, kLam);
  const uint32_t c01 = static_cast<uint32_t>(rest);
  const uint32_t two = ((c01 == kMLamLam) | (c01 == kMAlefLam0)) & (n >= 4);
  const size_t b = waw + 3 * three + 2 * two;  // first letter of the stem
  // 3. Suffixes in Light10's order, each at most once, keeping 2 letters:
  //    a two-letter suffix (at most one of the seven is the last pair),
  //    then the one-letter steps on the last four letters left.
  const size_t cut2 =
      kPairSuffixes.Has(static_cast<uint32_t>(last4 >> 32)) & (letters - b >= 4);
  // One branch, on all three conditions at once (the compiler would branch
  // on each, and cut2 is unpredictable: the empty asm makes it compute
  // their conjunction first).
  size_t again = cut2 & kAfterPairSuffix.Has(static_cast<uint32_t>(last4)) & (letters - b >= 6);
  asm("" : "+r"(again));
  if (again) {
    const size_t e = StripArabicSuffixes(w, b, letters);  // rare: the steps as written
    return StemSpan{static_cast<uint32_t>(2 * b), static_cast<uint32_t>(2 * (e - b))};
  }
  size_t e = letters - 2 * cut2;  // one past the stem's last letter
  const uint64_t last = last4 << (32 * cut2);  // its last letters (two, or four)
  const size_t one = kOneLetterSuffixes.Has(static_cast<uint16_t>(last >> 48)) +
                     kOneLetterPairs.Has(static_cast<uint32_t>(last >> 32)) +
                     ((last >> 16) == (MPair(kYeh, kTehM) | uint64_t{M(kHeh)} << 32));
  // Each one-letter step keeps at least 2 letters (a word of fewer has no
  // room; e >= b here).
  const size_t room = e - b >= 2 ? e - b - 2 : 0;
  e -= one < room ? one : room;
  return StemSpan{static_cast<uint32_t>(2 * b), static_cast<uint32_t>(2 * (e - b))};
}

}  // namespace internal
}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_ARABIC_STEM_IMPL_H_
