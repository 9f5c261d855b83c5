#include "workers/summarize/text_cues.h"

#include <cstdint>
#include <cstring>
#include <utility>

namespace qalam {
namespace summarize {
namespace {

using uchar = unsigned char;

// Decodes the code point at s[i] (valid UTF-8 assumed; never reads past the
// end) and sets *len.
uint32_t At(absl::string_view s, size_t i, int* len) {
  const uchar b = static_cast<uchar>(s[i]);
  const size_t left = s.size() - i;
  if (b < 0x80 || left < 2) {
    *len = 1;
    return b;
  }
  if (b < 0xE0) {
    *len = 2;
    return (uint32_t{b & 0x1Fu} << 6) | (static_cast<uchar>(s[i + 1]) & 0x3Fu);
  }
  if (b < 0xF0 || left < 4) {
    if (left < 3) {
      *len = static_cast<int>(left);
      return 0xFFFD;
    }
    *len = 3;
    return (uint32_t{b & 0x0Fu} << 12) | ((static_cast<uchar>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<uchar>(s[i + 2]) & 0x3Fu);
  }
  *len = 4;
  return (uint32_t{b & 0x07u} << 18) | ((static_cast<uchar>(s[i + 1]) & 0x3Fu) << 12) |
         ((static_cast<uchar>(s[i + 2]) & 0x3Fu) << 6) | (static_cast<uchar>(s[i + 3]) & 0x3Fu);
}

// Python's \s for str (Unicode White_Space).
bool IsSpace(uint32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) || c == 0x85 ||
         c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

bool IsDash(uint32_t c) { return c == '-' || c == 0x2013 || c == 0x2014; }

bool IsAsciiUpper(uint32_t c) { return c >= 'A' && c <= 'Z'; }
bool IsAsciiAlpha(uint32_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// Skips characters for which pred holds, from byte i; returns the new i.
template <typename Pred>
size_t SkipWhile(absl::string_view s, size_t i, Pred pred) {
  while (i < s.size()) {
    int len;
    const uint32_t c = At(s, i, &len);
    if (!pred(c)) break;
    i += static_cast<size_t>(len);
  }
  return i;
}

size_t SkipLeadingSpace(absl::string_view s) {
  return SkipWhile(s, 0, [](uint32_t c) { return IsSpace(c) || c == 0x200B || c == 0xFEFF; });
}

// Moves `end` back over `\s*(?:[-–—]+\s*)?` (what may separate a place from
// the tag); returns the new end.
size_t TrimPlaceTail(absl::string_view s, size_t begin, size_t end) {
  auto back_while = [&](size_t e, auto pred) {
    while (e > begin) {
      size_t p = e - 1;
      while (p > begin && (static_cast<uchar>(s[p]) & 0xC0) == 0x80) --p;
      int len;
      if (!pred(At(s, p, &len))) break;
      e = p;
    }
    return e;
  };
  end = back_while(end, IsSpace);
  const size_t before_dash = back_while(end, IsDash);
  if (before_dash != end) end = back_while(before_dash, IsSpace);
  return end;
}

// [A-Z][A-Za-z.'-]*(?:,?\s+[A-Z][A-Za-z.'-]*)* over all of s[b, e).
bool IsLatinPlace(absl::string_view s, size_t b, size_t e) {
  size_t i = b;
  for (bool first = true;; first = false) {
    if (!first) {
      if (i == e) return true;
      if (s[i] == ',') ++i;
      const size_t j = SkipWhile(s.substr(0, e), i, IsSpace);
      if (j == i) return false;
      i = j;
    }
    if (i >= e || !IsAsciiUpper(static_cast<uchar>(s[i]))) return false;
    ++i;
    while (i < e &&
           (IsAsciiAlpha(static_cast<uchar>(s[i])) || s[i] == '.' || s[i] == '\'' || s[i] == '-')) {
      ++i;
    }
  }
}

// [ء-ي][ء-ْ\s،]{0,60} over all of s[b, e).
bool IsArabicPlace(absl::string_view s, size_t b, size_t e) {
  size_t i = b;
  int count = 0;
  while (i < e) {
    int len;
    const uint32_t c = At(s, i, &len);
    if (count == 0) {
      if (c < 0x0621 || c > 0x064A) return false;
    } else if (!((c >= 0x0621 && c <= 0x0652) || IsSpace(c) || c == 0x060C)) {
      return false;
    }
    if (++count > 61) return false;
    i += static_cast<size_t>(len);
  }
  return count > 0;
}

// The agencies of the tag, compared with spaces and dots removed (أ ف ب,
// أ.ف.ب).
bool IsAgency(absl::string_view inside) {
  char buf[32];
  size_t n = 0;
  for (char c : inside) {
    if (c == ' ' || c == '.') continue;
    if (n == sizeof(buf)) return false;
    buf[n++] = c;
  }
  const absl::string_view a(buf, n);
  static const char* const kAgencies[] = {
      "CNN",
      "Reuters",
      "AP",
      "AFP",
      "BBC",
      "UPI",
      "Bloomberg",
      "dpa",
      "DPA",
      "Xinhua",
      "ANSA",
      "EFE",
      "PA",
      "\xD8\xB1\xD9\x88\xD9\x8A\xD8\xAA\xD8\xB1\xD8\xB2",  // رويترز
      "\xD8\xA3\xD9\x81\xD8\xA8",                          // أفب
      "\xD8\xAF\xD8\xA8\xD8\xA3",                          // دبأ
      "\xD9\x88\xD8\xA7\xD9\x85",                          // وام
      "\xD9\x82\xD9\x86\xD8\xA7",                          // قنا
      "\xD8\xB3\xD8\xA8\xD8\xA7",                          // سبا
      "\xD8\xB3\xD8\xA8\xD8\xA3",                          // سبأ
  };
  // Spaces and dots were removed above, so "أ ف ب" and "أ.ف.ب" both match.
  for (const char* ag : kAgencies) {
    if (a == ag) return true;
  }
  return false;
}

// Form 1: [PLACE] [-] (AGENCY) [-:]*
size_t TaggedDatelineEnd(absl::string_view s, size_t start) {
  // The tag's '(' comes within a place of at most ~61 characters.
  const size_t limit = s.size() < start + 200 ? s.size() : start + 200;
  const size_t open = s.substr(0, limit).find('(', start);
  if (open == absl::string_view::npos) return 0;
  const size_t close = s.find(')', open + 1);
  if (close == absl::string_view::npos || close - open > 40) return 0;
  if (!IsAgency(s.substr(open + 1, close - open - 1))) return 0;
  if (open > start) {
    const size_t place_end = TrimPlaceTail(s, start, open);
    if (place_end == start) {
      // Only spaces and dashes before the tag: "- (CNN)" is fine.
    } else if (!IsLatinPlace(s, start, place_end) && !IsArabicPlace(s, start, place_end)) {
      return 0;
    }
  }
  // \s*(?:[-–—:]+\s*)*
  return SkipWhile(s, close + 1, [](uint32_t c) { return IsSpace(c) || IsDash(c) || c == ':'; });
}

// Form 2: [A-Z][A-Z .,'-]{2,40}\s(?:--|-|–|—)\s+
size_t CapsDatelineEnd(absl::string_view s, size_t start) {
  if (start >= s.size() || !IsAsciiUpper(static_cast<uchar>(s[start]))) return 0;
  size_t run = start + 1;
  while (run < s.size() && run - (start + 1) < 40) {
    const char c = s[run];
    if (!(IsAsciiUpper(static_cast<uchar>(c)) || c == ' ' || c == '.' || c == ',' || c == '\'' ||
          c == '-')) {
      break;
    }
    ++run;
  }
  // Greedy, as the regular expression: the longest class run that is
  // followed by \s, a dash and \s+.
  for (size_t k = run; k >= start + 3; --k) {
    size_t i = k;
    int len;
    if (i >= s.size() || !IsSpace(At(s, i, &len))) continue;
    i += static_cast<size_t>(len);
    if (i >= s.size()) continue;
    size_t after;
    if (s.substr(i, 2) == "--") {
      after = i + 2;
    } else {
      const uint32_t c = At(s, i, &len);
      if (!IsDash(c)) continue;
      after = i + static_cast<size_t>(len);
    }
    const size_t end = SkipWhile(s, after, IsSpace);
    if (end == after) {
      // "--" failed on \s+: the regex would try "-" next, whose \s+ fails too.
      continue;
    }
    return end;
  }
  return 0;
}

inline char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }

// Case-insensitive (ASCII) prefix test of s at i against lower-case `lit`.
bool MatchAt(absl::string_view s, size_t i, absl::string_view lit) {
  if (s.size() - i < lit.size()) return false;
  for (size_t k = 0; k < lit.size(); ++k) {
    if (Lower(s[i + k]) != lit[k]) return false;
  }
  return true;
}

bool IsWordChar(absl::string_view s, size_t i) {
  if (i >= s.size()) return false;
  const uchar b = static_cast<uchar>(s[i]);
  if (b < 0x80) return IsAsciiAlpha(b) || (b >= '0' && b <= '9') || b == '_';
  return true;  // a letter of another script, near enough for \b
}

bool StartsWithAny(absl::string_view s, std::initializer_list<absl::string_view> lits) {
  for (absl::string_view l : lits) {
    if (MatchAt(s, 0, l)) return true;
  }
  return false;
}

// Arabic starts allow leading "* • -" and spaces.
size_t SkipBullets(absl::string_view s) {
  return SkipWhile(s, 0,
                   [](uint32_t c) { return c == '*' || c == 0x2022 || c == '-' || IsSpace(c); });
}

// True when one of the phrases IsBoilerplate looks for anywhere starts at
// byte i of s, trying only the phrases that can start with s[i].
bool PhraseAt(absl::string_view s, size_t i) {
  const char c = Lower(s[i]);
  switch (c) {
    case 'a':
      if (MatchAt(s, i, "all rights reserved")) return true;
      break;
    case 'c':
      if (MatchAt(s, i, "copyright \xC2\xA9")) return true;
      break;
    case 'd':
      if (MatchAt(s, i, "do not necessarily ") &&
          (MatchAt(s, i + 19, "reflect") || MatchAt(s, i + 19, "represent"))) {
        return true;
      }
      break;
    case 't':
      if (MatchAt(s, i, "the opinions expressed")) return true;
      break;
    case 'g':
      if (MatchAt(s, i, "getty images")) return true;
      break;
    case 'h':
      if (MatchAt(s, i, "http://") || MatchAt(s, i, "https://")) return true;
      break;
    case 'w':
      if (MatchAt(s, i, "www.") && IsWordChar(s, i + 4)) return true;
      break;
    case '\xD9':
      if (i + 1 < s.size()) {
        const char d = s[i + 1];
        if (d == '\x87' && MatchAt(s, i,  // هذا المقال بقلم
                                   "\xD9\x87\xD8\xB0\xD8\xA7 \xD8\xA7\xD9\x84\xD9\x85\xD9\x82"
                                   "\xD8\xA7\xD9\x84 \xD8\xA8\xD9\x82\xD9\x84\xD9\x85")) {
          return true;
        }
        if (d == '\x86' && MatchAt(s, i,  // نشر هذا المقال
                                   "\xD9\x86\xD8\xB4\xD8\xB1 \xD9\x87\xD8\xB0\xD8\xA7 \xD8\xA7"
                                   "\xD9\x84\xD9\x85\xD9\x82\xD8\xA7\xD9\x84")) {
          return true;
        }
        if (d == '\x84' && MatchAt(s, i,  // لا تعكس بالضرورة
                                   "\xD9\x84\xD8\xA7 \xD8\xAA\xD8\xB9\xD9\x83\xD8\xB3 \xD8\xA8"
                                   "\xD8\xA7\xD9\x84\xD8\xB6\xD8\xB1\xD9\x88\xD8\xB1\xD8\xA9")) {
          return true;
        }
      }
      break;
    case '\xD8':
      if (i + 1 < s.size() && s[i + 1] == '\xA7' &&
          MatchAt(s, i,  // التوقيت: غرينتش
                  "\xD8\xA7\xD9\x84\xD8\xAA\xD9\x88\xD9\x82\xD9\x8A\xD8\xAA: \xD8\xBA\xD8\xB1"
                  "\xD9\x8A\xD9\x86\xD8\xAA\xD8\xB4")) {
        return true;
      }
      break;
    default:
      break;
  }
  return false;
}

// The filter in front of PhraseAt. Each phrase but "www." is at least 7
// bytes long; for each, two adjacent 4-byte windows inside it (at offsets k
// and k + 1, picked to be rare in news) are in a 4096-bit set, hashed after
// or-ing 0x20 into every byte. Or-ing 0x20 maps an ASCII letter and its
// upper case to the same byte and leaves every other byte of a phrase as it
// is, so text that MatchAt accepts hashes like the phrase. One of the two
// windows of a phrase starts at an even offset of the text, so only even
// offsets need a look-up: a clear bit there rules out a phrase starting
// 0 to kMaxBack bytes earlier. "www." (followed by a word character, so 5
// bytes) is caught by its 3-byte windows "www" and "ww." at offsets 0 and 1.
class PhraseFilter {
 public:
  static constexpr size_t kMaxBack = 21;  // the largest k + 1 below

  PhraseFilter() {
    const std::pair<absl::string_view, size_t> windows[] = {
        {"all rights reserved", 11},
        {"copyright \xC2\xA9", 0},
        {"do not necessarily ", 7},
        {"the opinions expressed", 4},
        {"getty images", 0},
        {"http://", 1},
        {"https://", 1},
        // هذا المقال بقلم: at بقلم
        {"\xD9\x87\xD8\xB0\xD8\xA7 \xD8\xA7\xD9\x84\xD9\x85\xD9\x82\xD8\xA7\xD9\x84 "
         "\xD8\xA8\xD9\x82\xD9\x84\xD9\x85",
         20},
        // نشر هذا المقال: at نشر
        {"\xD9\x86\xD8\xB4\xD8\xB1 \xD9\x87\xD8\xB0\xD8\xA7", 0},
        // لا تعكس بالضرورة: at عك
        {"\xD9\x84\xD8\xA7 \xD8\xAA\xD8\xB9\xD9\x83\xD8\xB3", 7},
        // التوقيت: غرينتش: at ": غ"
        {"\xD8\xA7\xD9\x84\xD8\xAA\xD9\x88\xD9\x82\xD9\x8A\xD8\xAA: \xD8\xBA\xD8\xB1", 14},
    };
    for (const auto& [phrase, k] : windows) {
      for (size_t o = k; o <= k + 1; ++o) {
        const uint32_t b = Bucket(Load4(phrase.data() + o));
        bits_[b >> 6] |= uint64_t{1} << (b & 63);
        set_[b] = 1;
      }
    }
  }
  // False only when MayCover is false at all of p, p + 2, p + 4 and p + 6
  // (p has 10 bytes). The four windows come from two 8-byte loads, p[0, 8)
  // and p[2, 10); the "www" and "ww." tests become "a byte of p[0, 8) is w
  // or W": both need two w's, starting at p + 6 at the latest.
  bool MayCover4(const char* p) const {
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "windows as Load4 reads them");
    constexpr uint64_t k20 = 0x2020202020202020ULL;
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    uint64_t x, y;
    std::memcpy(&x, p, 8);
    std::memcpy(&y, p + 2, 8);
    x |= k20;
    y |= k20;
    const uint64_t w = x ^ (kOnes * 'w');  // a zero byte where x has a w
    const bool has_w = ((w - kOnes) & ~w & (kOnes * 0x80)) != 0;
    return (set_[Bucket(static_cast<uint32_t>(x))] | set_[Bucket(static_cast<uint32_t>(y))] |
            set_[Bucket(static_cast<uint32_t>(x >> 32))] |
            set_[Bucket(static_cast<uint32_t>(y >> 32))] | has_w) != 0;
  }
  // Whether a phrase may start in [i - kMaxBack, i], for an even i with 4
  // bytes at p = text + i.
  bool MayCover(const char* p) const {
    const uint32_t v = Load4(p);
    const uint32_t b = Bucket(v);
    const uint32_t v3 = v & 0x00FFFFFFu;  // little-endian: the first 3 bytes
    return ((bits_[b >> 6] >> (b & 63)) & 1) | (v3 == kWww3) | (v3 == kWwDot3);
  }

 private:
  static uint32_t Load4(const char* p) {
    const unsigned char* u = reinterpret_cast<const unsigned char*>(p);
    return (uint32_t{u[0]} | (uint32_t{u[1]} << 8) | (uint32_t{u[2]} << 16) |
            (uint32_t{u[3]} << 24)) |
           0x20202020u;
  }
  static uint32_t Bucket(uint32_t v) { return (v * 0x9E3779B1u) >> 20; }
  static constexpr uint32_t kWww3 = 'w' | ('w' << 8) | ('w' << 16);
  static constexpr uint32_t kWwDot3 = 'w' | ('w' << 8) | ('.' << 16);
  uint64_t bits_[64] = {};
  uint8_t set_[4096] = {};  // bits_ as bytes, for MayCover4
};

const PhraseFilter& Filter() {
  static const PhraseFilter* f = new PhraseFilter();
  return *f;
}

}  // namespace

size_t DatelineLength(absl::string_view s) {
  const size_t start = SkipLeadingSpace(s);
  size_t end = TaggedDatelineEnd(s, start);
  if (end == 0 || end >= s.size()) end = CapsDatelineEnd(s, start);
  if (end == 0 || end >= s.size()) return 0;
  return end;
}

bool IsBoilerplate(absl::string_view s) {
  // At the start.
  for (absl::string_view lit : {"read more", "click here", "follow us", "sign up", "subscribe",
                                "related", "see also", "more on"}) {
    if (MatchAt(s, 0, lit) && !IsWordChar(s, lit.size())) return true;
  }
  for (absl::string_view lit : {"watch", "video", "photos", "photo", "image"}) {
    if (MatchAt(s, 0, lit)) {
      const size_t i = SkipWhile(s, lit.size(), IsSpace);
      if (i < s.size() && s[i] == ':') return true;
    }
  }
  if (StartsWithAny(s, {"editor's note", "editor\xE2\x80\x99s note"})) return true;
  {
    const absl::string_view a = s.substr(SkipBullets(s));
    if (StartsWithAny(a, {"\xD8\xA7\xD9\x82\xD8\xB1\xD8\xA3",                   // اقرأ
                          "\xD8\xA5\xD9\x82\xD8\xB1\xD8\xA3",                   // إقرأ
                          "\xD9\x82\xD8\xAF \xD9\x8A\xD9\x87\xD9\x85\xD9\x83",  // قد يهمك
                          "\xD9\x86\xD9\x82\xD9\x84\xD8\xA7 \xD8\xB9\xD9\x86",  // نقلا عن
                          "\xD9\x86\xD9\x82\xD9\x84\xD8\xA7\xD9\x8B \xD8\xB9\xD9\x86",  // نقلاً عن
                          "\xD8\xAA\xD8\xA7\xD8\xA8\xD8\xB9\xD9\x88\xD8\xA7"})) {  // تابعوا
      return true;
    }
    constexpr absl::string_view kWatch = "\xD8\xB4\xD8\xA7\xD9\x87\xD8\xAF";  // شاهد
    if (MatchAt(a, 0, kWatch)) {
      const absl::string_view rest = a.substr(SkipWhile(a, kWatch.size(), IsSpace));
      if (rest.empty() || rest.substr(0, 2) == ".." || rest[0] == ':' ||
          rest.substr(0, 3) == "\xE2\x80\xA6") {
        return true;
      }
    }
  }
  // Anywhere: a look-up at every other byte (see PhraseFilter); where it
  // fires, every start it covers is tried. A phrase starting at i has a
  // window starting at an even offset j <= i + kMaxBack with j + 4 <= the
  // end of the phrase, so the even offsets with 4 bytes left cover every
  // start.
  const size_t size = s.size();
  const PhraseFilter& filter = Filter();
  const char* d = s.data();
  // Eight bytes (four offsets) at a time; where MayCover4 does not rule
  // them all out, each offset as before.
  for (size_t j8 = 0; j8 + 4 <= size; j8 += 8) {
    if (j8 + 10 <= size && !filter.MayCover4(d + j8)) continue;
    for (size_t j = j8; j < j8 + 8 && j + 4 <= size; j += 2) {
      if (!filter.MayCover(d + j)) continue;
      for (size_t i = j > PhraseFilter::kMaxBack ? j - PhraseFilter::kMaxBack : 0; i <= j; ++i) {
        if (PhraseAt(s, i)) return true;
      }
    }
  }
  return false;
}

bool IsBylineOrCaption(absl::string_view s, size_t words) {
  if (words <= 8 && MatchAt(s, 0, "by ") && s.size() > 3 &&
      IsAsciiUpper(static_cast<uchar>(s[3]))) {
    return true;
  }
  if (StartsWithAny(s, {"image caption", "media caption", "image copyright", "photo by",
                        "photo credit", "picture:", "pictured:", "caption:", "file photo", "(photo",
                        "(image", "photograph:"})) {
    return true;
  }
  const absl::string_view a = s.substr(SkipBullets(s));
  if (StartsWithAny(a, {"\xD8\xA8\xD9\x82\xD9\x84\xD9\x85",  // بقلم
                                                             // مصدر الصورة
                        "\xD9\x85\xD8\xB5\xD8\xAF\xD8\xB1 \xD8\xA7\xD9\x84\xD8\xB5\xD9\x88\xD8\xB1"
                        "\xD8\xA9",
                        // تعليق على الصورة
                        "\xD8\xAA\xD8\xB9\xD9\x84\xD9\x8A\xD9\x82 \xD8\xB9\xD9\x84\xD9\x89 \xD8\xA7"
                        "\xD9\x84\xD8\xB5\xD9\x88\xD8\xB1\xD8\xA9",
                        "(\xD8\xB5\xD9\x88\xD8\xB1\xD8\xA9"})) {  // (صورة
    return true;
  }
  for (absl::string_view lit : {"\xD8\xB5\xD9\x88\xD8\xB1\xD8\xA9",                     // صورة
                                "\xD8\xA7\xD9\x84\xD8\xB5\xD9\x88\xD8\xB1\xD8\xA9"}) {  // الصورة
    if (MatchAt(a, 0, lit)) {
      const size_t i = SkipWhile(a, lit.size(), IsSpace);
      if (i < a.size() && a[i] == ':') return true;
    }
  }
  return false;
}

}  // namespace summarize
}  // namespace qalam
