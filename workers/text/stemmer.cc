#include "workers/text/stemmer.h"

#include "workers/text/arabic_stem_impl.h"

#include <cstdint>
#include <cstring>

namespace qalam {
namespace text {
namespace {

inline bool IsVowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

inline bool HasVowel(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (IsVowel(p[i]) || (p[i] == 'y' && i > 0)) return true;
  }
  return false;
}

}  // namespace

StemSpan StemArabicLetters(absl::string_view norm) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(norm.data());
  return internal::StemArabicWord(internal::MemLetters{p}, norm.size() / 2,
                                  internal::ArabicHead(p, norm.size()),
                                  internal::ArabicLast4(p, norm.size()));
}

StemSpan StemArabic(absl::string_view norm) {
  const size_t bytes = norm.size();
  if (bytes < 6 || bytes % 2 != 0) return StemSpan{0, static_cast<uint32_t>(bytes)};
  const unsigned char* p = reinterpret_cast<const unsigned char*>(norm.data());
  for (size_t i = 0; i < bytes; i += 2) {
    if (p[i] < 0xD8 || p[i] > 0xDB || (p[i] == 0xD8 && p[i + 1] < 0xA0)) {
      return StemSpan{0, static_cast<uint32_t>(bytes)};
    }
  }
  return StemArabicLetters(norm);
}

StemSpan StemEnglishLetters(absl::string_view norm) {
  size_t n = norm.size();
  const char* w = norm.data();
  if (n < 4) return StemSpan{0, static_cast<uint32_t>(n)};
  // Suffixes compared with fixed-size loads of the word's end: the checks
  // below run for every English word.
  auto ends2 = [&](char a, char b) { return n >= 2 && w[n - 2] == a && w[n - 1] == b; };
  auto ends3 = [&](char a, char b, char c) {
    return n >= 3 && w[n - 3] == a && w[n - 2] == b && w[n - 1] == c;
  };
  // Possessive (ASCII apostrophe; the typographic one is handled by
  // StemEnglish before it calls here).
  if (ends2('\'', 's')) n -= 2;
  if (n >= 4 && w[n - 1] == 's') {
    if (w[n - 4] == 's' && w[n - 3] == 's' && w[n - 2] == 'e') {
      n -= 2;  // classes -> class
    } else if (w[n - 3] == 'i' && w[n - 2] == 'e') {
      if (n > 4) n -= 2;  // ponies -> poni, as Porter does
    } else if (w[n - 2] != 's' && w[n - 2] != 'u' && w[n - 2] != 'i') {
      n -= 1;
    }
  }
  bool undouble = false;
  if (n >= 6 && ends3('i', 'n', 'g') && HasVowel(w, n - 3)) {
    n -= 3;
    undouble = true;
  } else if (n >= 5 && ends2('e', 'd') && w[n - 3] != 'e' && HasVowel(w, n - 2)) {
    n -= 2;
    undouble = true;
  } else if (n >= 6 && ends2('l', 'y')) {
    n -= 2;
  }
  if (undouble && n >= 3 && w[n - 1] == w[n - 2] && !IsVowel(w[n - 1]) &&
      w[n - 1] != 'l' && w[n - 1] != 's' && w[n - 1] != 'z') {
    n -= 1;
  }
  return StemSpan{0, static_cast<uint32_t>(n)};
}

StemSpan StemEnglish(absl::string_view norm) {
  const size_t n = norm.size();
  const char* w = norm.data();
  if (n < 3) return StemSpan{0, static_cast<uint32_t>(n)};
  for (size_t i = 0; i < n; ++i) {
    const char c = w[i];
    if ((c >= 'a' && c <= 'z') || c == '\'') continue;
    // The typographic apostrophe (U+2019, E2 80 99) of a final "’s".
    if (static_cast<unsigned char>(c) == 0xE2 && i + 4 == n &&
        static_cast<unsigned char>(w[i + 1]) == 0x80 &&
        static_cast<unsigned char>(w[i + 2]) == 0x99 && w[i + 3] == 's') {
      return StemEnglishLetters(norm.substr(0, i));
    }
    return StemSpan{0, static_cast<uint32_t>(n)};
  }
  return StemEnglishLetters(norm);
}

}  // namespace text
}  // namespace qalam
