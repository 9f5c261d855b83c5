// Per-code-point properties for the text core's hot loops.
//
// The tables are generated at build time from ICU 72 by gen/gen_char_table.cc
// (general category, script, White_Space, Default_Ignorable_Code_Point,
// NFKC_Casefold) plus qalam's Arabic matching rules, so the text core needs
// no ICU call at run time. Lookup is a two-stage table: stage1[cp >> 8]
// selects a 256-entry block of CharInfo; identical blocks are shared.
//
// Everything here is immutable static data: safe for concurrent use.
#ifndef QALAM_WORKERS_TEXT_CHAR_INFO_H_
#define QALAM_WORKERS_TEXT_CHAR_INFO_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace qalam {
namespace text {

// Bits of CharInfo::flags.
enum CharFlag : uint16_t {
  kCharLetter = 1u << 0,     // L* (includes tatweel, Lm)
  kCharMark = 1u << 1,       // M*: continues a word
  kCharDigit = 1u << 2,      // Nd (ASCII, Arabic-Indic, ...)
  kCharSpace = 1u << 3,      // White_Space other than line breaks
  kCharNewline = 1u << 4,    // LF VT FF CR NEL LS PS
  kCharIgnorable = 1u << 5,  // Default_Ignorable (ZWJ, ZWNJ, bidi, BOM, SHY)
  kCharPunct = 1u << 6,      // P*
  kCharSymbol = 1u << 7,     // S*, No, and anything unassigned/private
  kCharEnder = 1u << 8,      // sentence-final: . ! ? ؟ … ۔ ‼ ⁇ 。 ...
  kCharOpen = 1u << 9,       // Ps, Pi, and « “ ‘
  kCharClose = 1u << 10,     // Pe, Pf, and » ” ’
  kCharQuote = 1u << 11,     // " ' : could open or close
  kCharFolds = 1u << 12,     // normalised form differs from the character
  kCharTehMarbuta = 1u << 13,// ة: folded to ه only when the option is on
  kCharControl = 1u << 14,   // Cc other than tab/line breaks (NUL, ...)
  kCharUpper = 1u << 15,     // Lu / Lt
};

// Script of a character, reduced to what the text core needs.
enum CharScript : uint8_t {
  kScriptCommon = 0,  // punctuation, digits, symbols, unassigned
  kScriptArabic = 1,
  kScriptLatin = 2,
  kScriptCyrillic = 3,
  kScriptGreek = 4,
  kScriptHebrew = 5,
  kScriptCjk = 6,     // Han, Hiragana, Katakana, Hangul
  kScriptIndic = 7,   // Devanagari ... Sinhala
  kScriptOther = 8,
};

struct CharInfo {
  uint16_t flags;
  uint8_t script;
  uint8_t fold_len;   // bytes of the folded form (0 = removed); see flags
  uint32_t fold_off;  // offset of the folded UTF-8 in FoldPool()
};

namespace internal {
extern const uint16_t kStage1[0x1100];
extern const CharInfo kStage2[];
extern const char kFoldPool[];
extern const uint64_t kPlainArabicPairs[1024];
extern const uint64_t kPlainArabicPairsNoTeh[1024];
}  // namespace internal

// True when the two bytes at p are the UTF-8 of an Arabic letter whose
// normalised form is itself (most Arabic text). `map` is
// internal::kPlainArabicPairs, or kPlainArabicPairsNoTeh when teh marbuta is
// folded. REQUIRES: two readable bytes at p.
inline bool IsPlainArabicPair(const unsigned char* p, const uint64_t* map) {
  const uint32_t pair = static_cast<uint32_t>(p[0]) << 8 | p[1];
  return (map[pair >> 6] >> (pair & 63)) & 1;
}

// REQUIRES: cp <= 0x10FFFF.
inline const CharInfo& GetCharInfo(uint32_t cp) {
  return internal::kStage2[(static_cast<uint32_t>(internal::kStage1[cp >> 8]) << 8) |
                           (cp & 0xFF)];
}

// The folded (normalised-for-matching) form of a character whose flags have
// kCharFolds, as UTF-8. Empty when the character is removed.
inline absl::string_view FoldOf(const CharInfo& info) {
  return absl::string_view(internal::kFoldPool + info.fold_off, info.fold_len);
}

}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_CHAR_INFO_H_
