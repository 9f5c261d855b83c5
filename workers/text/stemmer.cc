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
  return internal::StemArabicWord(
      internal::MemLetters{reinterpret_cast<const unsigned char*>(norm.data())}, norm.size() / 2);
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

StemSpan StemEnglish(absl::string_view norm) {
  StemSpan s{0, static_cast<uint32_t>(norm.size())};
  size_t n = norm.size();
  const char* w = norm.data();
  if (n < 3) return s;
  for (size_t i = 0; i < n; ++i) {
    char c = w[i];
    bool ok = (c >= 'a' && c <= 'z') || c == '\'';
    if (!ok) {
      // Allow the typographic apostrophe (U+2019, E2 80 99) before "s".
      if (static_cast<unsigned char>(c) == 0xE2 && i + 2 < n &&
          static_cast<unsigned char>(w[i + 1]) == 0x80 &&
          static_cast<unsigned char>(w[i + 2]) == 0x99) {
        i += 2;
        continue;
      }
      return s;
    }
  }
  // Possessive.
  if (n > 2 && w[n - 1] == 's' && w[n - 2] == '\'') {
    n -= 2;
  } else if (n > 4 && w[n - 1] == 's' && static_cast<unsigned char>(w[n - 2]) == 0x99 &&
             static_cast<unsigned char>(w[n - 3]) == 0x80 &&
             static_cast<unsigned char>(w[n - 4]) == 0xE2) {
    n -= 4;
  }
  auto ends = [&](const char* suf) {
    size_t k = std::strlen(suf);
    return n >= k && std::memcmp(w + n - k, suf, k) == 0;
  };
  if (ends("sses")) {
    n -= 2;
  } else if (ends("ies") && n > 4) {
    n -= 2;  // ponies -> poni, as Porter does
  } else if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' &&
             w[n - 2] != 'i') {
    n -= 1;
  }
  bool undouble = false;
  if (ends("ing") && n >= 6 && HasVowel(w, n - 3)) {
    n -= 3;
    undouble = true;
  } else if (ends("ed") && n >= 5 && !ends("eed") && HasVowel(w, n - 2)) {
    n -= 2;
    undouble = true;
  } else if (ends("ly") && n >= 6) {
    n -= 2;
  }
  if (undouble && n >= 3 && w[n - 1] == w[n - 2] && !IsVowel(w[n - 1]) &&
      w[n - 1] != 'l' && w[n - 1] != 's' && w[n - 1] != 'z') {
    n -= 1;
  }
  s.len = static_cast<uint32_t>(n);
  return s;
}

}  // namespace text
}  // namespace qalam
