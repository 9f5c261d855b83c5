// The language identifier's model: its in-memory form, its file format, and
// the single text pass (character classes, words, hashed character n-grams)
// that both the identifier (langid.h) and the table builder
// (tools/langid/langid_builder.h) run, so that the n-grams counted when the
// tables are built are exactly the n-grams looked up at run time.
//
// Most callers want langid.h; this header is for the builder, the tests and
// the evaluation tool. Everything here is either plain data or a pure
// function, and is thread-safe.
//
// The method (see models/README.md, "Language identification"):
//   * every code point maps to a class (skip, separator, Latin letter, Arabic
//     letter, other letter, whitespace) and a folded (lower-cased, NFKC for
//     Arabic presentation forms) code point, through a two-level table that
//     the builder generates from ICU and stores in the model;
//   * whitespace splits the text into chunks; chunks that look like URLs,
//     e-mail addresses or @mentions are skipped;
//   * letters of one script form a word; each word, padded with one space on
//     each side, yields its character 1..4-grams, hashed with FNV-1a plus a
//     finaliser into 2^bits buckets;
//   * each bucket holds a uint8-quantised log-probability per language: 7
//     Latin-script languages (en first) and 5 Arabic-script ones (ar first).
#ifndef QALAM_WORKERS_TEXT_LANGID_MODEL_H_
#define QALAM_WORKERS_TEXT_LANGID_MODEL_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qalam {
namespace text {
namespace langid {

// ---------------------------------------------------------------- languages

inline constexpr int kLatinLanguages = 7;
inline constexpr int kArabicLanguages = 5;
// Row order of the tables. The first language of each script is the target
// ("en", "ar"); the others are the languages it must not be confused with.
inline constexpr std::array<const char*, kLatinLanguages> kLatinCodes = {"en", "fr", "es", "de",
                                                                         "it", "pt", "nl"};
inline constexpr std::array<const char*, kArabicLanguages> kArabicCodes = {"ar", "fa", "ur", "ckb",
                                                                           "ps"};

// ---------------------------------------------------------------- characters

// Character classes. The values are part of the file format.
enum CharClass : uint32_t {
  kSkip = 0,    // ignored, does not split a word (harakat, tatweel, ZWJ, bidi marks)
  kSep = 1,     // ends a word (digits, punctuation, symbols, ZWNJ, U+FFFD)
  kLatin = 2,   // Latin letter
  kArabic = 3,  // Arabic-script letter
  kOther = 4,   // letter of any other script (counted only)
  kSpace = 5,   // whitespace: ends a chunk
};

// A char-table entry is (class << 24) | folded code point.
inline constexpr uint32_t EntryClass(uint32_t entry) { return entry >> 24; }
inline constexpr uint32_t EntryFolded(uint32_t entry) { return entry & 0xFFFFFF; }

// The whitespace of the format: exactly the code points for which Python's
// str.isspace() is true (general category Zs, or bidi class WS, B or S).
// The chunk scanner recognises them on the bytes, so a model's table must
// give class kSpace to exactly these (the loader checks).
inline bool IsSpaceCodePoint(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Length in bytes of the UTF-8 whitespace sequence starting at p (0 when
// there is none). Never reads at or beyond `end`. Matches IsSpaceCodePoint
// for well-formed sequences and never matches inside one, so chunk bounds
// found on bytes agree with the code points decoded later.
inline int SpaceLength(const unsigned char* p, const unsigned char* end) {
  const unsigned b = p[0];
  if (b < 0x80) return ((b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20)) ? 1 : 0;
  const ptrdiff_t avail = end - p;
  if (b == 0xC2) return (avail >= 2 && (p[1] == 0x85 || p[1] == 0xA0)) ? 2 : 0;
  if (b < 0xE1 || b > 0xE3 || avail < 3) return 0;
  const unsigned b1 = p[1], b2 = p[2];
  if (b == 0xE1) return (b1 == 0x9A && b2 == 0x80) ? 3 : 0;  // U+1680
  if (b == 0xE3) return (b1 == 0x80 && b2 == 0x80) ? 3 : 0;  // U+3000
  if (b1 == 0x80) {                                          // U+2000..U+203F
    return ((b2 >= 0x80 && b2 <= 0x8A) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF) ? 3 : 0;
  }
  return (b1 == 0x81 && b2 == 0x9F) ? 3 : 0;  // U+205F
}

// Decodes the code point at p (REQUIRES: p < end) and advances *p past it.
// Ill-formed input (bad or missing continuation bytes, overlong forms,
// surrogates, values above U+10FFFF) yields U+FFFD and advances one byte,
// so the scan never reads at or beyond `end` whatever the bytes.
inline uint32_t NextCodePoint(const unsigned char** pp, const unsigned char* end) {
  const unsigned char* p = *pp;
  const uint32_t b = p[0];
  if (b < 0x80) {
    *pp = p + 1;
    return b;
  }
  const ptrdiff_t avail = end - p;
  if (b >= 0xC2 && b <= 0xDF) {
    if (avail >= 2 && (p[1] & 0xC0) == 0x80) {
      *pp = p + 2;
      return ((b & 0x1F) << 6) | (p[1] & 0x3F);
    }
  } else if (b >= 0xE0 && b <= 0xEF) {
    const unsigned lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
    if (avail >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80) {
      *pp = p + 3;
      return ((b & 0x0F) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3F);
    }
  } else if (b >= 0xF0 && b <= 0xF4) {
    const unsigned lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
    if (avail >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80) {
      *pp = p + 4;
      return ((b & 0x07) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3F);
    }
  }
  *pp = p + 1;
  return 0xFFFD;
}

// A chunk that carries no language evidence: it contains "://" or '@', or
// starts with "www." (ASCII, any case).
inline bool IsSkippedChunk(const unsigned char* p, const unsigned char* end) {
  const ptrdiff_t n = end - p;
  if (n >= 4 && (p[0] | 0x20) == 'w' && (p[1] | 0x20) == 'w' && (p[2] | 0x20) == 'w' &&
      p[3] == '.') {
    return true;
  }
  for (ptrdiff_t i = 0; i < n; ++i) {
    if (p[i] == '@') return true;
    if (p[i] == ':' && i + 2 < n && p[i + 1] == '/' && p[i + 2] == '/') return true;
  }
  return false;
}

// ---------------------------------------------------------------- hashing

// The n-gram hash (part of the format; never change it): FNV-1a over the
// code points of the window, oldest first, seeded with the window length,
// then a finaliser. `prev[0]` is the symbol just before `x`, prev[1] the one
// before that; the window is prev[n-2] .. prev[0], x.
inline uint32_t NgramHash(const uint32_t* prev, int n, uint32_t x) {
  uint32_t h = 2166136261u ^ static_cast<uint32_t>(n);
  for (int j = n - 2; j >= 0; --j) h = (h ^ prev[j]) * 16777619u;
  h = (h ^ x) * 16777619u;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 12;
  return h;
}

// ---------------------------------------------------------------- the model

// Decision and confidence parameters (see langid.h for their use).
struct Params {
  float theta_lat = 0.15f;    // per-n-gram margin threshold, Latin script (nats)
  float theta_ara = 0.20f;    // same, Arabic script
  float slope_lat = 8.5f;     // confidence slope, Latin script
  float slope_ara = 4.0f;     // same, Arabic script
  float n0 = 1000.0f;         // n-gram count beyond which confidence stops growing
  float n_ref = 50.0f;        // n-gram count at which the slope applies as is
  float ara_letter_w = 1.5f;  // an Arabic letter weighs this many Latin letters
  uint32_t min_letters = 4;   // fewer letters of the dominant script: "und"
  uint32_t w_lower = 2;       // weight of an n-gram of a word starting in lower case
  uint32_t w_cap = 1;         // weight of an n-gram of a capitalised Latin word
};

// The whole model, as loaded. Plain data: copyable, comparable.
struct Model {
  uint32_t bits_lat = 16;  // 2^bits_lat buckets in the Latin table
  uint32_t bits_ara = 16;
  // Dequantisation: log P = lo[l] + step[l] * code.
  std::array<float, kLatinLanguages> lo_lat{}, step_lat{};
  std::array<float, kArabicLanguages> lo_ara{}, step_ara{};
  Params params;
  // Character table for the BMP: entry(cp) = pages[page_index[cp >> 8] * 256 + (cp & 255)].
  std::array<uint16_t, 256> page_index{};
  std::vector<uint32_t> pages;  // n_pages * 256 entries
  // Quantised log-probabilities, bucket-major: the codes of one bucket for
  // all languages of the script are adjacent (one n-gram reads one row).
  std::vector<uint8_t> lat;  // (1 << bits_lat) * kLatinLanguages
  std::vector<uint8_t> ara;  // (1 << bits_ara) * kArabicLanguages

  bool operator==(const Model& o) const;
  bool operator!=(const Model& o) const { return !(*this == o); }
};

// File format, version 2 (all integers and floats little-endian):
//
//   offset 0   char[4] "QLID"
//          4   u32 version (= 2)
//          8   u32 header size (= 32)
//         12   u32 flags (= 0)
//         16   u64 payload size in bytes (the file is header + payload)
//         24   u64 checksum: qalam::Hash64(payload, kChecksumSeed) (common/hash.h)
//         32   payload:
//              u32 bits_lat, u32 n_lat (= 7), u32 bits_ara, u32 n_ara (= 5)
//              char[4] code per Latin language, then per Arabic language (NUL-padded)
//              f32 lo_lat[n_lat], step_lat[n_lat], lo_ara[n_ara], step_ara[n_ara]
//              f32 theta_lat, theta_ara, slope_lat, slope_ara, n0, n_ref, ara_letter_w
//              u32 min_letters, w_lower, w_cap
//              u32 n_pages, u16 page_index[256], u32 pages[n_pages][256]
//              u8  lat[2^bits_lat][n_lat], u8 ara[2^bits_ara][n_ara]
//
// (Version 1 was the research prototype's file: no header size, flags, sizes,
// checksum or language codes.)
inline constexpr char kMagic[4] = {'Q', 'L', 'I', 'D'};
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr uint32_t kHeaderSize = 32;
inline constexpr uint64_t kChecksumSeed = 0x716C616D6C696432ULL;  // "qlamlid2"

// Returns the file bytes of `model`. REQUIRES: the vectors have the sizes
// documented on Model (ParseModel of the result then returns an equal Model).
std::string SerializeModel(const Model& model);

// Parses and validates the bytes of a model file. Errors name the problem:
//   InvalidArgument  not a model file (bad magic) or an unsupported version;
//   DataLoss         truncated, trailing bytes, checksum mismatch, or a
//                    payload that is inconsistent (sizes, language codes,
//                    parameters, char-table entries).
absl::StatusOr<Model> ParseModel(absl::string_view bytes);

// ---------------------------------------------------------------- the text pass

// Read-only view of a model's character table: valid while the Model it was
// made from lives and is not modified. Thread-safe (it only reads).
class CharTable {
 public:
  explicit CharTable(const Model& m) : index_(m.page_index.data()), pages_(m.pages.data()) {}
  uint32_t Entry(uint32_t cp) const {
    if (cp < 0x10000) return pages_[static_cast<size_t>(index_[cp >> 8]) * 256 + (cp & 255)];
    // Supplementary planes: CJK extensions (U+20000..U+3FFFF) are letters of
    // another script; everything else there (emoji, symbols) separates.
    if (cp >= 0x20000 && cp < 0x40000) return static_cast<uint32_t>(kOther) << 24;
    return static_cast<uint32_t>(kSep) << 24;
  }

 private:
  const uint16_t* index_;
  const uint32_t* pages_;
};

// Runs the text pass over `text`, reporting to `sink`:
//   sink->Letter(cls)                 once per letter (cls kLatin, kArabic, kOther)
//   sink->Ngram(script, cap, hash)    once per n-gram of a word of `script`
//   sink->Map(script, folded)         the symbol to use for a folded letter
//                                     (identity at run time; the builder maps
//                                     some Arabic letters for a spelling variant)
// and Sink::kOtherNgrams says whether words of other scripts yield n-grams
// (only the builder's word lists want that). `cap` is true for a Latin word
// whose first letter is upper case.
//
// When Sink::kCanStop is true, the pass also calls sink->Stop() after every
// chunk (whitespace-delimited run, skipped or not) and returns early, with
// true, as soon as it answers true; otherwise it returns false at the end of
// the text. A chunk boundary is the only place it stops, so the pass never
// leaves a word half-scored, and stopping after "a" when the pass runs over
// "a" then "b" is stopping at the same point of "a\nb".
//
// Chunks are runs of non-whitespace; a skipped chunk (IsSkippedChunk) reports
// nothing. Within a chunk, letters of one class form a word; kSep ends it and
// kSkip is ignored. A word w yields every 1..4-gram of " w " except the lone
// spaces: emitted as each symbol arrives, so nothing is buffered.
//
// Running the pass over "a" then over "b" with the same sink is the same as
// running it over "a\nb". Any bytes are safe (see NextCodePoint).
template <typename Sink>
bool ScanText(const CharTable& table, absl::string_view text, Sink* sink) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* const end = p + text.size();
  // The open word: script (-1: none), capitalised, symbols pushed so far
  // (including the leading space), and the last three symbols, newest first.
  int script = -1;
  bool cap = false;
  int len = 0;
  uint32_t prev[3] = {0, 0, 0};

  auto emit = [&](uint32_t x) {
    // n = 1 is skipped for the padding space; n-1 previous symbols must exist.
    const int have = len < 3 ? len : 3;
    for (int k = (x == 0x20 ? 1 : 0); k <= have; ++k) {
      sink->Ngram(script, cap, NgramHash(prev, k + 1, x));
    }
  };
  auto push = [&](uint32_t x) {
    prev[2] = prev[1];
    prev[1] = prev[0];
    prev[0] = x;
    ++len;
  };
  auto end_word = [&]() {
    if (script == kLatin || script == kArabic || (Sink::kOtherNgrams && script == kOther)) {
      emit(0x20);
    }
    script = -1;
    len = 0;
  };

  while (p < end) {
    int sp = SpaceLength(p, end);
    if (sp > 0) {
      p += sp;
      continue;
    }
    // The chunk [p, e): found on the bytes first, because whether it is
    // skipped depends on bytes anywhere in it.
    const unsigned char* e = p + 1;
    while (e < end && SpaceLength(e, end) == 0) ++e;
    if (!IsSkippedChunk(p, e)) {
      while (p < e) {
        const uint32_t cp = NextCodePoint(&p, e);
        const uint32_t entry = table.Entry(cp);
        const uint32_t c = EntryClass(entry);
        if (c == kSkip) continue;
        if (c == kSep || c == kSpace) {
          if (len) end_word();
          continue;
        }
        const uint32_t f = sink->Map(c, EntryFolded(entry));
        sink->Letter(c);
        if (len && static_cast<int>(c) != script) end_word();
        if (!len) {
          script = static_cast<int>(c);
          cap = c == kLatin && EntryFolded(entry) != cp;
          push(0x20);
        }
        if (c == kLatin || c == kArabic || (Sink::kOtherNgrams && c == kOther)) emit(f);
        push(f);
      }
      if (len) end_word();
    }
    p = e;
    if constexpr (Sink::kCanStop) {
      if (sink->Stop()) return true;
    }
  }
  return false;
}

}  // namespace langid
}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_LANGID_MODEL_H_
