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
// bytes of a letter, lead byte high.
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

constexpr uint32_t Pair(uint16_t a, uint16_t b) { return static_cast<uint32_t>(a) << 16 | b; }

// Letters in memory.
struct MemLetters {
  const unsigned char* p;
  uint16_t At(size_t i) const {
    uint16_t v;
    std::memcpy(&v, p + 2 * i, 2);
    return __builtin_bswap16(v);
  }
  // Letters i and i + 1 as one word (letter i in the high half).
  uint32_t At2(size_t i) const {
    uint32_t v;
    std::memcpy(&v, p + 2 * i, 4);
    return __builtin_bswap32(v);
  }
};

// Light10 (see stemmer.h) on `letters` normalised Arabic letters.
template <typename Letters>
inline StemSpan StemArabicWord(const Letters& w, size_t letters) {
  if (letters < 3) return StemSpan{0, static_cast<uint32_t>(2 * letters)};
  size_t b = 0;        // first letter of the stem
  size_t e = letters;  // one past its last letter
  // The prefix decisions are computed, not branched on: whether a word has
  // the article is unpredictable (about 40% do).
  // 1. Conjunction و, keeping at least 3 letters.
  b += (w.At(0) == kWaw) & (letters >= 4);
  // 2. Article forms (longest first), keeping at least 2 letters.
  const size_t n = e - b;
  const uint32_t c01 = w.At2(b);
  const uint16_t c0 = static_cast<uint16_t>(c01 >> 16);
  const uint16_t c1 = static_cast<uint16_t>(c01);
  const uint16_t c2 = w.At(b + 2);  // n >= 3 here
  const bool three = ((c0 == kWaw) | (c0 == kBeh) | (c0 == kKaf) | (c0 == kFeh)) &
                     (c1 == kAlef) & (c2 == kLam) & (n >= 5);  // وال بال كال فال
  const bool two = !three & (c1 == kLam) & ((c0 == kLam) | (c0 == kAlef)) & (n >= 4);  // لل ال
  b += 3 * three + 2 * two;
  // 3. Suffixes in Light10's order, each at most once, keeping 2 letters.
  //    Here branches are the cheaper choice: most words match no suffix,
  //    so the compares are predictable, while a branch-free version would
  //    make every word wait on a chain of ten dependent reloads. The last
  //    two letters stay in one register, reloaded only after a removal.
  uint32_t tail = w.At2(e - 2);
  for (uint32_t suffix : {Pair(kHeh, kAlef), Pair(kAlef, kNoon), Pair(kAlef, kTeh),
                          Pair(kWaw, kNoon), Pair(kYeh, kNoon), Pair(kYeh, kHeh),
                          Pair(kYeh, kTehM)}) {  // ها ان ات ون ين يه ية
    if (tail == suffix && e - b >= 4) {
      e -= 2;
      tail = w.At2(e - 2);  // e - 2 >= b: in bounds
    }
  }
  for (uint16_t suffix : {kHeh, kTehM, kYeh}) {  // ه ة ي
    if (static_cast<uint16_t>(tail) == suffix && e - b >= 3) {
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
