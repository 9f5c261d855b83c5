// Generates the text core's per-code-point tables (char_info.h) from ICU.
//
//   gen_char_table OUTPUT.cc
//
// Run at build time, so the text core itself calls no ICU function on the
// hot path and needs no ICU data at run time. The output is deterministic for
// a given ICU version. The folding ("normalisation for matching") of each
// code point is NFKC_Casefold followed by qalam's Arabic rules, iterated to a
// fixed point so that folding is idempotent character by character; the
// program checks that and fails the build otherwise.
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "workers/text/char_info.h"

namespace {

using qalam::text::CharInfo;

std::string ToUtf8(const std::u32string& s) {
  std::string out;
  for (char32_t c : s) {
    char buf[4];
    int32_t i = 0;
    UBool err = false;
    U8_APPEND(buf, i, 4, c, err);
    if (err) continue;
    out.append(buf, static_cast<size_t>(i));
  }
  return out;
}

// qalam's Arabic matching rules for one character; returns the replacement
// (possibly empty) or the character itself.
std::u32string ArabicRule(char32_t c) {
  if ((c >= 0x064B && c <= 0x0652) || c == 0x0670 || c == 0x0640) return U"";
  if (c == 0x0623 || c == 0x0625 || c == 0x0622 || c == 0x0671) return U"\u0627";
  if (c == 0x0649) return U"\u064A";          // alef maksura -> yeh
  if (c == 0x06CC) return U"\u064A";          // Farsi yeh -> yeh
  if (c == 0x06A9 || c == 0x06AA) return U"\u0643";  // keheh, swash kaf -> kaf
  if (c >= 0x0660 && c <= 0x0669) return std::u32string(1, U'0' + (c - 0x0660));
  if (c >= 0x06F0 && c <= 0x06F9) return std::u32string(1, U'0' + (c - 0x06F0));
  return std::u32string(1, c);
}

std::u32string FoldOnce(const icu::Normalizer2* nfkc_cf, char32_t c) {
  if (c >= 0xD800 && c <= 0xDFFF) return std::u32string(1, c);
  icu::UnicodeString in(static_cast<UChar32>(c));
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString norm = nfkc_cf->normalize(in, status);
  if (U_FAILURE(status)) return std::u32string(1, c);
  std::u32string out;
  for (int32_t i = 0; i < norm.length();) {
    UChar32 d = norm.char32At(i);
    i += U16_LENGTH(d);
    out += ArabicRule(static_cast<char32_t>(d));
  }
  return out;
}

std::u32string Fold(const icu::Normalizer2* nfkc_cf, char32_t c) {
  std::u32string cur = FoldOnce(nfkc_cf, c);
  for (int iter = 0; iter < 8; ++iter) {
    std::u32string next;
    for (char32_t d : cur) next += FoldOnce(nfkc_cf, d);
    if (next == cur) return cur;
    cur = next;
  }
  return cur;
}

uint8_t ScriptOf(char32_t c) {
  UErrorCode status = U_ZERO_ERROR;
  UScriptCode s = uscript_getScript(static_cast<UChar32>(c), &status);
  if (U_FAILURE(status)) return qalam::text::kScriptOther;
  switch (s) {
    case USCRIPT_COMMON:
    case USCRIPT_INHERITED:
    case USCRIPT_UNKNOWN:
      return qalam::text::kScriptCommon;
    case USCRIPT_ARABIC:
      return qalam::text::kScriptArabic;
    case USCRIPT_LATIN:
      return qalam::text::kScriptLatin;
    case USCRIPT_CYRILLIC:
      return qalam::text::kScriptCyrillic;
    case USCRIPT_GREEK:
      return qalam::text::kScriptGreek;
    case USCRIPT_HEBREW:
      return qalam::text::kScriptHebrew;
    case USCRIPT_HAN:
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_HANGUL:
      return qalam::text::kScriptCjk;
    case USCRIPT_DEVANAGARI:
    case USCRIPT_BENGALI:
    case USCRIPT_GURMUKHI:
    case USCRIPT_GUJARATI:
    case USCRIPT_ORIYA:
    case USCRIPT_TAMIL:
    case USCRIPT_TELUGU:
    case USCRIPT_KANNADA:
    case USCRIPT_MALAYALAM:
    case USCRIPT_SINHALA:
      return qalam::text::kScriptIndic;
    default:
      return qalam::text::kScriptOther;
  }
}

bool IsEnder(char32_t c) {
  switch (c) {
    case U'.': case U'!': case U'?':
    case 0x061F:  // ؟ Arabic question mark
    case 0x06D4:  // ۔ Urdu full stop
    case 0x2026:  // … ellipsis
    case 0x203C: case 0x203D: case 0x2047: case 0x2048: case 0x2049:
    case 0x3002: case 0xFF01: case 0xFF0E: case 0xFF1F: case 0xFF61:
    case 0xFE52: case 0xFE56: case 0xFE57:
      return true;
    default:
      return false;
  }
}

uint16_t FlagsOf(char32_t c) {
  using namespace qalam::text;
  uint16_t f = 0;
  int8_t cat = u_charType(static_cast<UChar32>(c));
  switch (cat) {
    case U_UPPERCASE_LETTER:
    case U_TITLECASE_LETTER:
      f |= kCharLetter | kCharUpper;
      break;
    case U_LOWERCASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
    case U_LETTER_NUMBER:
      f |= kCharLetter;
      break;
    case U_NON_SPACING_MARK:
    case U_COMBINING_SPACING_MARK:
    case U_ENCLOSING_MARK:
      f |= kCharMark;
      break;
    case U_DECIMAL_DIGIT_NUMBER:
      f |= kCharDigit;
      break;
    case U_DASH_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
      f |= kCharPunct;
      break;
    case U_START_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
      f |= kCharPunct | kCharOpen;
      break;
    case U_END_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
      f |= kCharPunct | kCharClose;
      break;
    case U_SPACE_SEPARATOR:
      f |= kCharSpace;
      break;
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
      f |= kCharNewline;
      break;
    case U_CONTROL_CHAR:
      break;  // decided below
    default:  // Sm Sc Sk So No Cf Co Cn Cs
      f |= kCharSymbol;
      break;
  }
  if (c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x85) {
    f = kCharNewline;
  } else if (c == '\t') {
    f = kCharSpace;
  } else if (cat == U_CONTROL_CHAR) {
    f = kCharControl;
  }
  if (u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE) &&
      !(f & kCharNewline)) {
    f = kCharSpace;
  }
  if (u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_DEFAULT_IGNORABLE_CODE_POINT) &&
      !(f & (kCharLetter | kCharSpace | kCharNewline))) {
    f = kCharIgnorable;
  }
  // « and » are Pi/Pf already; the ASCII quotes could open or close.
  if (c == '"' || c == '\'') f |= kCharQuote;
  if (IsEnder(c)) f |= kCharEnder;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: gen_char_table OUTPUT.cc\n");
    return 2;
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) {
    std::fprintf(stderr, "gen_char_table: no NFKC_Casefold data: %s\n", u_errorName(status));
    return 1;
  }

  std::string pool;
  std::map<std::string, uint32_t> pool_index;
  std::vector<CharInfo> all(0x110000);
  std::vector<std::u32string> folds(0x110000);
  for (char32_t c = 0; c < 0x110000; ++c) {
    CharInfo info{};
    info.flags = FlagsOf(c);
    info.script = ScriptOf(c);
    std::u32string fold = Fold(nfkc_cf, c);
    if (fold.size() == 1 && fold[0] == 0x0629) info.flags |= qalam::text::kCharTehMarbuta;
    if (!(fold.size() == 1 && fold[0] == c)) {
      std::string utf8 = ToUtf8(fold);
      if (utf8.size() > 255) {
        std::fprintf(stderr, "gen_char_table: fold of U+%04X too long\n", unsigned(c));
        return 1;
      }
      auto it = pool_index.find(utf8);
      uint32_t off;
      if (it != pool_index.end()) {
        off = it->second;
      } else {
        off = static_cast<uint32_t>(pool.size());
        pool += utf8;
        pool_index.emplace(utf8, off);
      }
      info.flags |= qalam::text::kCharFolds;
      info.fold_len = static_cast<uint8_t>(utf8.size());
      info.fold_off = off;
    }
    all[c] = info;
    folds[c] = fold;
  }
  // Idempotence: every character of every fold must fold to itself.
  for (char32_t c = 0; c < 0x110000; ++c) {
    for (char32_t d : folds[c]) {
      if (!(folds[d].size() == 1 && folds[d][0] == d)) {
        std::fprintf(stderr, "gen_char_table: fold of U+%04X is not idempotent (U+%04X)\n",
                     unsigned(c), unsigned(d));
        return 1;
      }
    }
  }

  // Two-stage table with shared blocks.
  std::vector<uint16_t> stage1(0x1100);
  std::vector<std::vector<CharInfo>> blocks;
  std::map<std::string, uint16_t> block_index;
  for (uint32_t b = 0; b < 0x1100; ++b) {
    std::vector<CharInfo> block(all.begin() + b * 256, all.begin() + (b + 1) * 256);
    std::string key(reinterpret_cast<const char*>(block.data()), block.size() * sizeof(CharInfo));
    auto it = block_index.find(key);
    if (it == block_index.end()) {
      uint16_t id = static_cast<uint16_t>(blocks.size());
      blocks.push_back(block);
      it = block_index.emplace(key, id).first;
    }
    stage1[b] = it->second;
  }

  FILE* out = std::fopen(argv[1], "w");
  if (out == nullptr) {
    std::perror(argv[1]);
    return 1;
  }
  std::fprintf(out,
               "// Generated by workers/text/gen/gen_char_table.cc from ICU %s. Do not edit.\n"
               "#include \"workers/text/char_info.h\"\n\n"
               "namespace qalam {\nnamespace text {\nnamespace internal {\n\n",
               U_ICU_VERSION);
  std::fprintf(out, "const uint16_t kStage1[0x1100] = {");
  for (size_t i = 0; i < stage1.size(); ++i) {
    std::fprintf(out, "%s%u,", i % 24 == 0 ? "\n" : "", stage1[i]);
  }
  std::fprintf(out, "\n};\n\nconst CharInfo kStage2[%zu] = {\n", blocks.size() * 256);
  for (const auto& block : blocks) {
    for (size_t i = 0; i < block.size(); ++i) {
      const CharInfo& ci = block[i];
      std::fprintf(out, "{%u,%u,%u,%u},%s", ci.flags, ci.script, ci.fold_len, ci.fold_off,
                   i % 8 == 7 ? "\n" : "");
    }
  }
  // Two-byte sequences of plain Arabic letters (no folding needed), as a
  // bitmap over the 16-bit value lead << 8 | continuation: the analyser's
  // fast run. The second map leaves out teh marbuta (folded on request).
  for (int variant = 0; variant < 2; ++variant) {
    std::vector<uint64_t> bits(1024, 0);
    for (char32_t c = 0x80; c < 0x800; ++c) {
      const CharInfo& ci = all[c];
      bool plain = (ci.flags & qalam::text::kCharLetter) &&
                   !(ci.flags & qalam::text::kCharFolds) &&
                   c >= 0x0620 && c <= 0x06FF &&  // what the stemmer takes
                   !(variant == 1 && (ci.flags & qalam::text::kCharTehMarbuta));
      if (!plain) continue;
      uint32_t pair = ((0xC0 | (c >> 6)) << 8) | (0x80 | (c & 0x3F));
      bits[pair >> 6] |= uint64_t{1} << (pair & 63);
    }
    std::fprintf(out, "};\n\nconst uint64_t %s[1024] = {",
                 variant == 0 ? "kPlainArabicPairs" : "kPlainArabicPairsNoTeh");
    for (size_t i = 0; i < bits.size(); ++i) {
      std::fprintf(out, "%s0x%llxULL,", i % 6 == 0 ? "\n" : "",
                   static_cast<unsigned long long>(bits[i]));
    }
  }
  std::fprintf(out, "};\n\nconst char kFoldPool[] =\n");
  for (size_t i = 0; i < pool.size(); i += 32) {
    std::fprintf(out, "\"");
    for (size_t j = i; j < pool.size() && j < i + 32; ++j) {
      std::fprintf(out, "\\x%02x", static_cast<unsigned char>(pool[j]));
    }
    std::fprintf(out, "\"\n");
  }
  std::fprintf(out, "\"\";\n\n}  // namespace internal\n}  // namespace text\n}  // namespace qalam\n");
  std::fclose(out);
  std::fprintf(stderr, "gen_char_table: %zu blocks, fold pool %zu bytes\n", blocks.size(), pool.size());
  return 0;
}
