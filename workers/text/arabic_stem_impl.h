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
  uint16_t At(size_t i) const {
    uint16_t v;
    std::memcpy(&v, p + 2 * i, 2);
    return v;
  }
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

// Light10 (see stemmer.h) on `letters` normalised Arabic letters at w.
// head: the first four letters as a little-endian word (memory order;
// anything beyond the word), which the analyser's fast path has in a
// register.
template <typename Letters>
inline StemSpan StemArabicWord(const Letters& w, size_t letters, uint64_t head) {
  if (letters < 3) return StemSpan{0, static_cast<uint32_t>(2 * letters)};
  // The prefix decisions are computed, not branched on: whether a word has
  // the article is unpredictable (about 40% do).
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
  size_t e = letters;                           // one past its last letter
  // 3. Suffixes in Light10's order, each at most once, keeping 2 letters.
  //    Here branches are the cheaper choice: most words match no suffix,
  //    so the compares are predictable, while branch-free versions (a chain
  //    of ten dependent reloads; rank tables on the last pairs) cost more
  //    instructions than the mispredictions they saved. The last two
  //    letters stay in one register, reloaded only after a removal.
  uint32_t tail = w.At2(e - 2);  // the last letter in the high half
  for (uint32_t suffix : {MPair(kHeh, kAlef), MPair(kAlef, kNoon), MPair(kAlef, kTeh),
                          MPair(kWaw, kNoon), MPair(kYeh, kNoon), MPair(kYeh, kHeh),
                          MPair(kYeh, kTehM)}) {  // ها ان ات ون ين يه ية
    if (tail == suffix && e - b >= 4) {
      e -= 2;
      tail = w.At2(e - 2);  // e - 2 >= b: in bounds
    }
  }
  for (uint16_t suffix : {M(kHeh), M(kTehM), M(kYeh)}) {  // ه ة ي
    if (static_cast<uint16_t>(tail >> 16) == suffix && e - b >= 3) {
      --e;
      tail = w.At2(e - 2);
    }
  }
  return StemSpan{static_cast<uint32_t>(2 * b), static_cast<uint32_t>(2 * (e - b))};
}

}  // namespace internal
}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_ARABIC_STEM_IMPL_H_
