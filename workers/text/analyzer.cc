#include "workers/text/analyzer.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "workers/text/arabic_stem_impl.h"
#include "workers/text/english_stem_impl.h"
#include "workers/text/stemmer.h"
#include "workers/text/stopwords.h"
#include "workers/text/utf8.h"

namespace qalam {
namespace text {
namespace internal {
extern const uint64_t kHashOperands[4];  // kHashK0-K3, in hash_operands.cc
}  // namespace internal
namespace {

// The helpers the fast paths call for every token: always inlined. Left to
// GCC's unit-wide inlining budget, a helper that takes the loop's pointers
// by address (TakeAsciiPunct) stopped being inlined when unrelated code
// grew, which put those pointers in memory for every word (BM_Segment
// English 437 -> 405 MB/s).
#define QALAM_INLINE inline __attribute__((always_inline))

using uchar = unsigned char;

// Decodes at p, which may hold invalid UTF-8: never reads past `end` and
// always advances by at least one byte. On valid input it is DecodeUtf8.
inline uint32_t DecodeAt(const uchar* p, const uchar* end, int* len) {
  uchar b = *p;
  if (b < 0x80) {
    *len = 1;
    return b;
  }
  int need = b < 0xC0 ? 0 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : b < 0xF8 ? 4 : 0;
  if (need == 0 || end - p < need) {
    *len = 1;
    return 0xFFFD;
  }
  uint32_t cp = DecodeUtf8(p, len);
  return cp > 0x10FFFF ? 0xFFFD : cp;
}

inline bool IsAsciiAlnum(uchar c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}
inline bool IsAsciiAlpha(uchar c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// True when the character at p (if any) is a letter of the Latin script.
inline bool LatinLetterAt(const uchar* p, const uchar* end) {
  if (p >= end) return false;
  if (*p < 0x80) return IsAsciiAlpha(*p);
  int len;
  uint32_t cp = DecodeAt(p, end, &len);
  const CharInfo& ci = GetCharInfo(cp);
  return (ci.flags & kCharLetter) && ci.script == kScriptLatin;
}

inline bool DigitAt(const uchar* p, const uchar* end) {
  if (p >= end) return false;
  if (*p < 0x80) return *p >= '0' && *p <= '9';
  int len;
  uint32_t cp = DecodeAt(p, end, &len);
  return (GetCharInfo(cp).flags & kCharDigit) != 0;
}

inline bool StartsWithNoCase(const uchar* p, const uchar* end, const char* lit) {
  size_t n = std::strlen(lit);
  if (static_cast<size_t>(end - p) < n) return false;
  for (size_t i = 0; i < n; ++i) {
    uchar c = p[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<uchar>(c | 0x20);
    if (c != static_cast<uchar>(lit[i])) return false;
  }
  return true;
}

// Characters that end a URL when they come at its end (trailing punctuation
// belongs to the sentence, not the URL).
inline bool IsUrlTrailer(uchar c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' ||
         c == '\'' || c == '"' || c == ')' || c == ']' || c == '}';
}

// Extends a URL whose first character is at p: up to white space, a control
// character, or quote/angle/guillemet characters, then trims trailing
// punctuation (keeping a ')' that closes a '(' inside the URL). Returns its
// end.
const uchar* UrlEnd(const uchar* p, const uchar* end) {
  const uchar* q = p;
  while (q < end) {
    int len;
    uint32_t cp = DecodeAt(q, end, &len);
    if (cp == '<' || cp == '>' || cp == '"' || cp == 0xAB || cp == 0xBB ||
        cp == 0x201C || cp == 0x201D || cp == 0x060C || cp == 0x061B || cp == 0x061F) {
      break;
    }
    uint16_t f = GetCharInfo(cp).flags;
    if (f & (kCharSpace | kCharNewline | kCharControl)) break;
    q += len;
  }
  while (q > p && IsUrlTrailer(q[-1])) {
    if (q[-1] == ')') {
      int depth = 0;
      for (const uchar* r = p; r < q; ++r) depth += (*r == '(') - (*r == ')');
      if (depth >= 0) break;  // balanced: the ')' is part of the URL
    }
    --q;
  }
  return q;
}

// A URL with a scheme or "www." at p: returns its end, or nullptr.
const uchar* ExplicitUrlAt(const uchar* p, const uchar* end) {
  const uchar* body = nullptr;
  if (StartsWithNoCase(p, end, "https://")) {
    body = p + 8;
  } else if (StartsWithNoCase(p, end, "http://")) {
    body = p + 7;
  } else if (StartsWithNoCase(p, end, "ftp://")) {
    body = p + 6;
  } else if (StartsWithNoCase(p, end, "www.")) {
    body = p + 4;
  }
  if (body == nullptr || body >= end || !IsAsciiAlnum(*body)) return nullptr;
  const uchar* q = UrlEnd(p, end);
  return q > body ? q : nullptr;
}

bool IsCommonTld(const uchar* p, size_t n) {
  static const char* const kTlds[] = {
      "com", "org", "net", "edu", "gov", "int", "mil", "info", "biz", "io",
      "co", "uk", "tv", "me", "news", "ly", "ae", "sa", "qa", "eg", "tn", "ma",
      "dz", "jo", "lb", "kw", "bh", "om", "iq", "sy", "ps", "ye", "sd", "fr",
      "de", "ru", "cn", "in", "ca", "au", "eu", "tr", "ir"};
  if (n < 2 || n > 4) return false;
  char low[4];
  for (size_t i = 0; i < n; ++i) low[i] = static_cast<char>(p[i] | 0x20);
  for (const char* t : kTlds) {
    if (std::strlen(t) == n && std::memcmp(t, low, n) == 0) return true;
  }
  return false;
}

// A bare domain ("bbc.co.uk", "Example.com/path") whose first label ends at
// `label_end` (a '.'): returns the end of the URL, or nullptr.
const uchar* BareDomainEnd(const uchar* start, const uchar* label_end, const uchar* end) {
  const uchar* q = label_end;
  const uchar* last_label = nullptr;
  size_t last_len = 0;
  while (q < end && *q == '.' && q + 1 < end && IsAsciiAlnum(q[1])) {
    const uchar* l = q + 1;
    const uchar* r = l;
    while (r < end && (IsAsciiAlnum(*r) || *r == '-')) ++r;
    last_label = l;
    last_len = static_cast<size_t>(r - l);
    q = r;
  }
  if (last_label == nullptr || !IsCommonTld(last_label, last_len)) return nullptr;
  // The domain must not run on into letters (e.g. "co.uk" inside a word).
  if (q < end && (*q >= 0x80 || IsAsciiAlnum(*q))) return nullptr;
  if (q < end && *q == '/') return UrlEnd(start, end);
  return q;
}

inline bool IsEmailLocalChar(uchar c) {
  return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

// Domain of an e-mail address starting at p (just after '@'): returns its
// end, or nullptr when it is not label(.label)+.
const uchar* EmailDomainEnd(const uchar* p, const uchar* end) {
  const uchar* q = p;
  int dots = 0;
  while (q < end && (IsAsciiAlnum(*q) || *q == '-' || *q == '.')) {
    if (*q == '.') {
      if (q == p || q[-1] == '.') break;
      ++dots;
    }
    ++q;
  }
  while (q > p && (q[-1] == '.' || q[-1] == '-')) {
    if (q[-1] == '.') --dots;
    --q;
  }
  if (dots < 1 || q == p || !IsAsciiAlpha(q[-1])) return nullptr;
  return q;
}

// ASCII characters that end a run of letters whatever came before: all but
// letters, digits and the apostrophe (which may join two Latin letters).
// '.' and ',' join digits only, never letters.
struct AsciiEndsLetterRun {
  bool v[128];
  constexpr AsciiEndsLetterRun() : v() {
    for (int c = 0; c < 128; ++c) {
      bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      v[c] = !alnum && c != '\'';
    }
  }
  constexpr bool operator[](int c) const { return v[c]; }
};
constexpr AsciiEndsLetterRun kAsciiEndsLetterRun;

// The same for a Latin word, which a '.' may continue (U.S., bbc.com).
struct AsciiEndsLatinWord {
  bool v[128];
  constexpr AsciiEndsLatinWord() : v() {
    for (int c = 0; c < 128; ++c) v[c] = kAsciiEndsLetterRun[c] && c != '.';
  }
  constexpr bool operator[](int c) const { return v[c]; }
};
constexpr AsciiEndsLatinWord kAsciiEndsLatinWord;

// Sixteen bytes at a time (SSE2, baseline on x86-64): how many of the 8
// two-byte sequences in `v` are common Arabic letters, counted from the
// first, and (in `*folded`) those bytes normalised. Common here: U+0621-
// U+063A, U+0641-U+064A and ٱ, of which آ أ إ ٱ fold to ا, ى to ي (and ة to
// ه when asked) -- all in place, two bytes to two bytes. Rarer letters
// (Persian پ چ ژ گ ...) are taken by the scalar loop that follows, which
// uses the generated bitmap; diacritics and tatweel, which fold to nothing,
// by the general step (or GatherMarkedArabicWord). The unit tests check
// this against the normaliser for every two-byte character.
#ifdef __SSE2__
QALAM_INLINE int CommonArabicRun16(__m128i v, bool fold_teh, __m128i* folded) {
  // Lanes as big-endian 16-bit values (lead byte high) for comparing.
  const __m128i be = _mm_or_si128(_mm_slli_epi16(v, 8), _mm_srli_epi16(v, 8));
  const __m128i zero = _mm_setzero_si128();
  auto in_range = [&](uint16_t lo, uint16_t span) {  // lo <= x <= lo + span
    __m128i d = _mm_sub_epi16(be, _mm_set1_epi16(static_cast<int16_t>(lo)));
    return _mm_cmpeq_epi16(_mm_subs_epu16(d, _mm_set1_epi16(static_cast<int16_t>(span))), zero);
  };
  auto eq = [&](uint16_t x) {
    return _mm_cmpeq_epi16(be, _mm_set1_epi16(static_cast<int16_t>(x)));
  };
  auto lane = [](unsigned char lead, unsigned char cont) {  // memory order
    return _mm_set1_epi16(static_cast<int16_t>(static_cast<uint16_t>(cont << 8 | lead)));
  };
  const __m128i wasla = eq(0xD9B1);
  const __m128i ok = _mm_or_si128(_mm_or_si128(in_range(0xD8A1, 0x19), in_range(0xD981, 0x09)),
                                  wasla);
  const __m128i to_alef = _mm_or_si128(_mm_or_si128(eq(0xD8A2), eq(0xD8A3)),
                                       _mm_or_si128(eq(0xD8A5), wasla));
  const __m128i to_yeh = eq(0xD989);
  __m128i f = _mm_or_si128(_mm_andnot_si128(to_alef, v), _mm_and_si128(to_alef, lane(0xD8, 0xA7)));
  f = _mm_or_si128(_mm_andnot_si128(to_yeh, f), _mm_and_si128(to_yeh, lane(0xD9, 0x8A)));
  if (fold_teh) {
    const __m128i to_heh = eq(0xD8A9);
    f = _mm_or_si128(_mm_andnot_si128(to_heh, f), _mm_and_si128(to_heh, lane(0xD9, 0x87)));
  }
  *folded = f;
  const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(ok));
  return __builtin_ctz(~mask | 0x10000u) / 2;
}

// True when the character at p (with at least two readable bytes) always
// ends an Arabic word: ASCII other than letters, digits and the apostrophe;
// the Arabic comma, semicolon and question mark; the no-break space, « and
// » (the character table agrees: see the tests).
QALAM_INLINE bool EndsArabicWord(const uchar* p) {
  if (p[0] < 0x80) return kAsciiEndsLetterRun[p[0]];
  if (p[0] == 0xD8) return p[1] == 0x8C || p[1] == 0x9B || p[1] == 0x9F;
  // The no-break space, « and ».
  return p[0] == 0xC2 && (p[1] == 0xA0 || p[1] == 0xAB || p[1] == 0xBB);
}

// True for an Arabic diacritic (U+064B-U+0652) or the superscript alef
// (U+0670) at p (two readable bytes): marks that normalisation removes and
// that do not count as letters.
QALAM_INLINE bool IsFoldedArabicMark(const uchar* p) {
  return p[0] == 0xD9 && (static_cast<uchar>(p[1] - 0x8B) <= 0x92 - 0x8B || p[1] == 0xB0);
}

// The 16 bytes at p, or those before `end` followed by zeros: for the
// last words of a text.
inline __m128i LoadUpTo16(const uchar* p, const uchar* end) {
  if (end - p >= 16) return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  alignas(16) unsigned char buf[16] = {};
  std::memcpy(buf, p, static_cast<size_t>(end - p));
  return _mm_load_si128(reinterpret_cast<const __m128i*>(buf));
}

// A word of common Arabic letters (CommonArabicRun16) and the marks above
// among them, at p, ended as EndsArabicWord says: writes its letters,
// normalised, at w (with room for kMaxFoldBytes), and returns the word's
// end and its number of letters. Returns {nullptr, 0} for anything else,
// or for a word of more than 15 letters or too close to `end` to read 16
// bytes: the general path takes those. (A pair returned in registers: an
// out-parameter kept the caller's letter count in memory.)
struct MarkedWord {
  const uchar* end;
  int letters;
};
template <bool kFoldTeh>
__attribute__((noinline)) MarkedWord GatherMarkedArabicWord(const uchar* p, const uchar* end,
                                                            char* w) {
  int m = 0;
  while (end - p >= 16) {
    if (IsFoldedArabicMark(p)) {
      p += 2;
      continue;
    }
    __m128i folded;
    const int k =
        CommonArabicRun16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), kFoldTeh, &folded);
    if (k == 0) break;
    if (m + k > 15) return MarkedWord{nullptr, 0};
    _mm_storeu_si128(reinterpret_cast<__m128i*>(w + 2 * m), folded);  // 2 * m + 16 <= 44
    m += k;
    p += 2 * k;
  }
  if (m == 0 || end - p < 2 || !EndsArabicWord(p)) return MarkedWord{nullptr, 0};
  return MarkedWord{p, m};
}

// How many of the 16 bytes at p are ASCII letters, counted from the first;
// writes them lower-cased to w (all 16 bytes are written), returns the
// lower-cased vector in *lower_out, and adds the number of upper-case letters
// of the run to *uppers.
inline int AsciiLetters16(const uchar* p, char* w, uint32_t* uppers, __m128i* lower_out) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
  const __m128i d = _mm_sub_epi8(lower, _mm_set1_epi8('a'));
  const __m128i letter =
      _mm_cmpeq_epi8(_mm_subs_epu8(d, _mm_set1_epi8(25)), _mm_setzero_si128());
  const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(letter));
  const int n = __builtin_ctz(~mask | 0x10000u);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(w), lower);
  *lower_out = lower;
  // Upper case: letters whose 0x20 bit is clear.
  const unsigned upper_mask = static_cast<unsigned>(_mm_movemask_epi8(
      _mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8(0x20)), _mm_setzero_si128())));
  const unsigned run_uppers = upper_mask & mask & ((1u << n) - 1);
  if (run_uppers != 0) *uppers += static_cast<uint32_t>(__builtin_popcount(run_uppers));
  return n;
}

#endif

inline uint16_t PunctFlags(uint16_t cf) {
  uint16_t f = 0;
  if (cf & kCharOpen) f |= kTokOpen;
  if (cf & kCharClose) f |= kTokClose;
  if (cf & kCharQuote) f |= kTokQuote;
  return f;
}

// How the byte after a run of ASCII letters decides whether the Latin word
// ends there, for the fast path: kEndAlways for ASCII that never continues
// a word (space, line breaks, most punctuation), kEndCheck for '.', '\''
// and ':' (see LatinWordEndsAt), kEndNever for letters, digits and every
// non-ASCII byte (the general path decides those).
enum : uint8_t { kEndNever = 0, kEndAlways = 1, kEndCheck = 2 };
struct LatinWordEnds {
  uint8_t v[256];
  constexpr LatinWordEnds() : v() {
    for (int c = 0; c < 128; ++c) v[c] = kAsciiEndsLatinWord[c] ? kEndAlways : kEndNever;
    v[static_cast<int>('.')] = kEndCheck;
    v[static_cast<int>('\'')] = kEndCheck;
    v[static_cast<int>(':')] = kEndCheck;
  }
};
constexpr LatinWordEnds kLatinWordEndTable;
constexpr const uint8_t* kLatinWordEnd = kLatinWordEndTable.v;

// For a kEndCheck byte at q after a run of ASCII letters that starts with
// b0 (REQUIRES: q[1] readable): true when the general path ends the word at
// q too. A '.' continues a word only before an ASCII letter or digit (bare
// domains, dotted abbreviations); an apostrophe only before a letter
// (don't; before a non-ASCII byte we let the general path decide); ':' only
// in http:// https:// ftp:// (so words of h or f go the general way).
QALAM_INLINE bool LatinWordEndsAt(uchar b0, const uchar* q) {
  if (*q == '.') return !IsAsciiAlnum(q[1]);
  if (*q == '\'') return q[1] < 0x80 && !IsAsciiAlpha(q[1]);
  const uchar first = static_cast<uchar>(b0 | 0x20);
  return first != 'h' && first != 'f';
}

// What the outer loop does with an ASCII byte that no fast path took.
struct AsciiAction {
  enum What : uint8_t {
    kGeneral,   // letters, digits, '#', '@', CR, VT, FF: the general path
    kSpace,     // white space and control characters: skipped
    kLineFeed,  // '\n'
    kToken,     // a one-byte punctuation or symbol token
    kEnder,     // '.', '!', '?': one token unless more enders follow
  };
  What what = kGeneral;
  TokenKind kind = TokenKind::kSymbol;
  bool mark = false;   // brackets: the sentence splitter visits them
  uint16_t flags = 0;  // the token's flags
};

// The actions, derived from the character table as the general path reads
// it, so the two cannot disagree.
struct AsciiActions {
  AsciiAction v[128];
  AsciiActions() {
    for (int c = 0; c < 128; ++c) {
      const uint16_t f = GetCharInfo(static_cast<uint32_t>(c)).flags;
      AsciiAction& a = v[c];
      if (c == '#' || c == '@' || c == '\r' ||
          (f & (kCharLetter | kCharDigit | kCharMark | kCharIgnorable))) {
        a.what = AsciiAction::kGeneral;
      } else if (f & (kCharSpace | kCharControl)) {
        a.what = AsciiAction::kSpace;
      } else if (c == '\n') {
        a.what = AsciiAction::kLineFeed;
      } else if (f & kCharNewline) {
        a.what = AsciiAction::kGeneral;
      } else if (f & kCharEnder) {
        a.what = AsciiAction::kEnder;
        a.kind = TokenKind::kPunct;
        a.flags = kTokEnder | (c == '.' ? 0 : kTokQuestion);
        a.mark = true;
      } else {
        a.what = AsciiAction::kToken;
        a.kind = (f & kCharPunct) ? TokenKind::kPunct : TokenKind::kSymbol;
        a.flags = PunctFlags(f);
        a.mark = a.kind == TokenKind::kPunct && (c == '(' || c == ')' || c == '[' || c == ']');
      }
    }
  }
};
const AsciiActions kAsciiActions;

// The same for the Arabic comma and semicolon (U+060C, U+061B), which the
// general path makes one-character punctuation tokens.
struct ArabicCommaActions {
  AsciiAction v[2];
  ArabicCommaActions() {
    const uint32_t cps[2] = {0x060C, 0x061B};
    for (int i = 0; i < 2; ++i) {
      const uint16_t f = GetCharInfo(cps[i]).flags;
      v[i].what = AsciiAction::kToken;
      v[i].kind = (f & kCharPunct) ? TokenKind::kPunct : TokenKind::kSymbol;
      v[i].flags = PunctFlags(f);
    }
  }
};
const ArabicCommaActions kArabicCommaActions;



// Writes a token at *tw and advances it. The token is assembled in two
// 16-byte registers and one 8-byte register and stored with stores of the
// same sizes straight into the token vector, whose write position the
// caller keeps in a local (see Scan). (Built field by field on the stack,
// push_back's 16-byte copy could not be forwarded from the smaller stores
// and stalled a dozen cycles per token; emplace_back() and per-field stores
// cost a call and a zero fill; push_back itself reloaded and rewrote the
// vector's end pointer in memory for every token.)
QALAM_INLINE void AppendToken(Token** tw, uint32_t begin, uint32_t end, uint32_t norm_off,
                              uint32_t norm_len, uint32_t stem_len, uint32_t stem_skip,
                              TokenKind kind, uint16_t flags, uint64_t norm_hash,
                              uint64_t stem_hash) {
  Token& t = **tw;
#if defined(__SSE2__) && defined(__x86_64__)
  static_assert(sizeof(Token) == 40 && offsetof(Token, begin) == 0 && offsetof(Token, end) == 4 &&
                    offsetof(Token, norm_off) == 8 && offsetof(Token, norm_len) == 12 &&
                    offsetof(Token, stem_len) == 16 && offsetof(Token, stem_skip) == 20 &&
                    offsetof(Token, kind) == 21 && offsetof(Token, flags) == 22 &&
                    offsetof(Token, norm_hash) == 24 && offsetof(Token, stem_hash) == 32,
                "Token layout");
  const __m128i a = _mm_set_epi64x(
      static_cast<int64_t>(norm_off | static_cast<uint64_t>(norm_len) << 32),
      static_cast<int64_t>(begin | static_cast<uint64_t>(end) << 32));
  const __m128i b = _mm_set_epi64x(
      static_cast<int64_t>(norm_hash),
      static_cast<int64_t>(stem_len | static_cast<uint64_t>(stem_skip) << 32 |
                           static_cast<uint64_t>(kind) << 40 |
                           static_cast<uint64_t>(flags) << 48));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&t), a);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(reinterpret_cast<char*>(&t) + 16), b);
  std::memcpy(reinterpret_cast<char*>(&t) + 32, &stem_hash, 8);
#else
  t.begin = begin;
  t.end = end;
  t.norm_off = norm_off;
  t.norm_len = norm_len;
  t.stem_len = stem_len;
  t.stem_skip = static_cast<uint8_t>(stem_skip);
  t.kind = kind;
  t.flags = flags;
  t.norm_hash = norm_hash;
  t.stem_hash = stem_hash;
#endif
  ++*tw;
}

// True when the ASCII byte at q (< end), whose action is `act`, is a token
// of its own: a punctuation or symbol mark, or a lone . ! or ? (the next
// byte is no ender and no lead byte of one, or the text ends).
QALAM_INLINE bool IsOneByteToken(const AsciiAction& act, const unsigned char* q,
                                 const unsigned char* end) {
  return act.what == AsciiAction::kToken ||
         (act.what == AsciiAction::kEnder &&
          (q + 1 == end || (q[1] < 0x80 && kAsciiActions.v[q[1]].what != AsciiAction::kEnder)));
}

// If the byte at *p (< end) is a one-byte punctuation or symbol token that
// follows a token directly (so its flags are its own), appends it and moves
// *p past it. The same test and token as the ASCII step of Scan's loop.
QALAM_INLINE bool TakeAsciiPunct(const unsigned char** p, const unsigned char* end,
                                 const unsigned char* base, const char* abase, const char* aw,
                                 Token** tw, const Token* tbase, std::vector<uint32_t>* marks) {
  const unsigned char c = **p;
  if (c >= 0x80) return false;
  const AsciiAction& act = kAsciiActions.v[c];
  if (!IsOneByteToken(act, *p, end)) return false;
  if (act.mark) marks->push_back(static_cast<uint32_t>(*tw - tbase));
  const uint32_t at = static_cast<uint32_t>(*p - base);
  AppendToken(tw, at, at + 1, static_cast<uint32_t>(aw - abase), 0, 0, 0, act.kind, act.flags,
              0, 0);
  ++*p;
  return true;
}

// The same for the Arabic comma and semicolon at *p (two bytes), which get
// the flags `pending`.
QALAM_INLINE bool TakeArabicComma(const unsigned char** p, const unsigned char* end,
                                  const unsigned char* base, const char* abase, const char* aw,
                                  Token** tw, uint16_t pending = 0) {
  const unsigned char* q = *p;
  if (!(q[0] == 0xD8 && q + 1 < end && (q[1] == 0x8C || q[1] == 0x9B))) return false;
  const AsciiAction& act = kArabicCommaActions.v[q[1] == 0x9B];
  const uint32_t at = static_cast<uint32_t>(q - base);
  AppendToken(tw, at, at + 2, static_cast<uint32_t>(aw - abase), 0, 0, 0, act.kind,
              pending | act.flags, 0, 0);
  *p = q + 2;
  return true;
}

// Scan's ASCII step for white space and one-byte punctuation, shared with
// the word-run loops: takes the byte at *p (< end) if it is a space, a line
// feed, or a punctuation mark that is a token of its own (IsOneByteToken),
// with the flags and line-break count the general path would give it.
// False, taking nothing, for any other byte.
QALAM_INLINE bool TakeAsciiSeparator(const unsigned char** p, const unsigned char* end,
                                     const unsigned char* base, const char* abase, const char* aw,
                                     Token** tw, const Token* tbase, std::vector<uint32_t>* marks,
                                     uint16_t* pending, int* breaks) {
  const unsigned char* const q = *p;
  if (*q >= 0x80) return false;
  const AsciiAction act = kAsciiActions.v[*q];
  if (act.what == AsciiAction::kSpace) {
    *pending |= kTokSpaceBefore;
  } else if (act.what == AsciiAction::kLineFeed) {
    *pending |= kTokSpaceBefore | kTokNewlineBefore;
    if (++*breaks >= 2) *pending |= kTokParagraphBefore;
  } else if (IsOneByteToken(act, q, end)) {
    if (act.mark || (*pending & kTokNewlineBefore)) {
      marks->push_back(static_cast<uint32_t>(*tw - tbase));
    }
    const uint32_t at = static_cast<uint32_t>(q - base);
    AppendToken(tw, at, at + 1, static_cast<uint32_t>(aw - abase), 0, 0, 0, act.kind,
                *pending | act.flags, 0, 0);
    *pending = 0;
    *breaks = 0;
  } else {
    return false;
  }
  *p = q + 1;
  return true;
}

// Scan's step for a number of up to 16 ASCII digits that nothing can
// continue: not a letter (2015م and G7 are words), and not '.' or ','
// before a digit of any script (1,000.5 1.٥) or '.' before a letter (a
// bare domain). An ASCII punctuation mark or space may follow it, or the
// Arabic comma, semicolon or question mark. Appends it, writing its
// normalised form at *aw (which needs kRoom bytes of room), and returns
// true; false, taking nothing, for anything else.
inline bool TakeAsciiNumber(const unsigned char** p, const unsigned char* end,
                            const unsigned char* base, const char* abase, char** aw, Token** tw,
                            const Token* tbase, std::vector<uint32_t>* marks, uint16_t* pending,
                            int* breaks) {
  const unsigned char* const b = *p;
  if (static_cast<unsigned char>(*b - '0') >= 10) return false;
  const unsigned char* q = b + 1;
  while (q < end && static_cast<unsigned char>(*q - '0') < 10 && q - b < 16) ++q;
  if (!(q == end ||
        (q - b < 16 &&
         (*q < 0x80 ? !IsAsciiAlnum(*q) && !((*q == '.' || *q == ',') && q + 1 < end &&
                                             (q[1] >= 0x80 || IsAsciiAlnum(q[1])))
                    : *q == 0xD8 && q + 1 < end &&
                          (q[1] == 0x8C || q[1] == 0x9B || q[1] == 0x9F))))) {
    return false;
  }
  const uint32_t len = static_cast<uint32_t>(q - b);
  char* const w = *aw;
  std::memcpy(w, b, 16 <= end - b ? 16 : len);
  // A number's stem is itself, and it is never a stop word.
  const uint64_t hash = Hash64Padded(w, len);  // kRoom bytes of room
  if (*pending & kTokNewlineBefore) marks->push_back(static_cast<uint32_t>(*tw - tbase));
  AppendToken(tw, static_cast<uint32_t>(b - base), static_cast<uint32_t>(q - base),
              static_cast<uint32_t>(w - abase), len, len, 0, TokenKind::kNumber, *pending, hash,
              hash);
  *aw = w + len;
  *pending = 0;
  *breaks = 0;
  *p = q;
  return true;
}

// Room for the tokens of one fast-path step (a word, and a punctuation
// mark after it), with some to spare.
constexpr ptrdiff_t kTokRoom = 4;

#if defined(__SSE2__) && defined(__x86_64__)
// Stores a token's begin, end, norm_off and norm_len as two 64-bit words
// (field by field, GCC gathered them in a vector register first).
QALAM_INLINE void StoreTokenSpans(Token* t, uint32_t begin, uint32_t end, uint32_t norm_off,
                                  uint32_t norm_len) {
  static_assert(offsetof(Token, begin) == 0 && offsetof(Token, end) == 4 &&
                    offsetof(Token, norm_off) == 8 && offsetof(Token, norm_len) == 12,
                "Token layout");
  const uint64_t span = begin | static_cast<uint64_t>(end) << 32;
  const uint64_t norm = norm_off | static_cast<uint64_t>(norm_len) << 32;
  std::memcpy(reinterpret_cast<char*>(t), &span, 8);
  std::memcpy(reinterpret_cast<char*>(t) + 8, &norm, 8);
}

// Hash64Finish(a, b, kHashK0, len): the hash of a string of up to 16 bytes
// held in two registers (zeros after it), with its four constants read as
// memory operands. As immediates, GCC materialised each one with a movabs
// (an instruction of its own, 10 bytes long) before every use: eight per
// word in the loops below. From memory they fold into the xor and the
// multiply that use them (BM_Segment: Arabic +1%, English +3%).
QALAM_INLINE uint64_t HashShort(uint64_t a, uint64_t b, uint64_t len) {
  const uint64_t* const k = internal::kHashOperands;
  return HashMum(HashMum(a ^ k[1], b ^ k[0]) ^ len ^ k[2], k[3]);
}

// Where Scan's fast paths stand: the next byte, the arena's and the token
// vector's write positions, and the flags for the next token.
struct FastCursor {
  const unsigned char* p;
  char* aw;
  Token* tw;
  uint16_t pending;
  int breaks;  // line breaks since the last token
};

// What the fast paths write into and may not pass.
struct FastLimits {
  const unsigned char* base;  // the text
  const unsigned char* end;
  const char* abase;     // the arena
  const char* aw_limit;  // room for a word's stores at aw <= aw_limit
  const Token* tbase;    // the token vector
  const Token* tlim;
  std::vector<uint32_t>* marks;
};

// The word-run loops below are functions of their own (noinline), aligned
// to 64 bytes: with GCC's default 16, the same loop ran up to 6% faster or
// slower depending on where unrelated changes happened to place it
// (BM_Segment English: 401.7 MB/s at an address of 16 mod 64, 428.0 at 0).
#define QALAM_HOT_LOOP __attribute__((noinline, aligned(64)))

// A word-run loop (below): takes a run of words at c->p, returns the number
// of tokens it appended, of which `*puncts` are punctuation, and adds the
// words' letters to `*letters`.
using WordRunFn = uint32_t(FastCursor* c, const FastLimits& l, uint32_t* puncts,
                           uint32_t* letters);

// How far a word-run loop may go on to another word, given that each
// word it reads needs `window` bytes of text. One comparison stands for
// three limits: a step that goes on to another word has read at least as
// many bytes of text as it appended tokens (a word of at least one byte
// and the character after it, taken) and as it wrote bytes to the arena
// (a normalised word no longer than the word), so the room for tokens and
// for the arena bounds the bytes read as well.
inline const unsigned char* RunStop(const FastCursor* c, const FastLimits& l,
                                    ptrdiff_t window) {
  const ptrdiff_t room = std::min({l.end - window - c->p, l.tlim - c->tw - kTokRoom,
                                   l.aw_limit - c->aw});
  return c->p + room;
}

// The word-run loop for Arabic: takes words of up to 15 common Arabic
// letters (one or two 16-byte loads), classified and normalised in the
// register (CommonArabicRun16), each followed by an ASCII space or
// punctuation mark or the Arabic comma, semicolon or question mark, and the
// space or punctuation after it, for as long as they follow each other.
// The word's hash comes from the registers, and so do the stemmer's first
// four letters. Takes nothing (returns 0) if the first word is not one of
// these.
//
// A function of its own, called once per run of words, so that its loop
// keeps its few variables in registers: inside Scan's loop the compiler had
// to spill half of them to the stack.
//
// kTail: the version for the last 15 bytes of the text, which reads no
// further than `end`.
//
// REQUIRES: c->p[0] is 0xD8 or 0xD9, c->p + 16 <= end (unless kTail),
// c->aw <= aw_limit, and kTokRoom tokens of room at c->tw.
template <bool kStems, bool kFoldTeh, bool kTail>
QALAM_HOT_LOOP uint32_t TakeArabicWords(FastCursor* c, const FastLimits& l, uint32_t* puncts,
                                        uint32_t* letters) {
  // Everything in locals: stores through the token and arena pointers may
  // alias `l` and `c`, which would otherwise be reloaded for every word.
  const unsigned char* const base = l.base;
  const unsigned char* const end = l.end;
  const char* const abase = l.abase;
  const Token* const tbase = l.tbase;
  std::vector<uint32_t>* const marks = l.marks;
  const unsigned char* fp = c->p;
  char* aw = c->aw;
  Token* tw = c->tw;
  Token* const tw0 = tw;
  uint16_t pending = c->pending;
  int breaks = c->breaks;
  uint32_t np = 0;
  const unsigned char* const stop = RunStop(c, l, kTail ? 1 : 16);
  for (;;) {
    __m128i v0, v1 = _mm_setzero_si128();
    int n = CommonArabicRun16(
        kTail ? LoadUpTo16(fp, end) : _mm_loadu_si128(reinterpret_cast<const __m128i*>(fp)),
        kFoldTeh, &v0);
    if (n == 0) {
      // No word here: what lies between words (white space, punctuation,
      // the Arabic comma and semicolon), as Scan's loop would take it, and
      // on to the next word if one follows.
      const unsigned char* const at = fp;
      Token* const tw1 = tw;
      while (fp <= stop &&
             (TakeAsciiSeparator(&fp, end, base, abase, aw, &tw, tbase, marks, &pending,
                                 &breaks) ||
              (!(pending & kTokNewlineBefore) &&
               TakeArabicComma(&fp, end, base, abase, aw, &tw, pending) &&
               ((pending = 0), (breaks = 0), true)))) {
      }
      np += static_cast<uint32_t>(tw - tw1);
      if (fp == at || fp > stop) break;
      continue;
    }
    bool fits = n < 8;
    if (n == 8) {  // a long word: the next 16 bytes (fp + 16 <= end)
      n += CommonArabicRun16(end - fp >= 32
                                 ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(fp + 16))
                                 : LoadUpTo16(fp + 16, end),
                             kFoldTeh, &v1);
      fits = n < 16;
    }
    // q <= end. The word ends where EndsArabicWord says, which reads two
    // bytes; at the end of the text, there or with the last byte. A word
    // that ends the text is the tail version's (only a long word, read
    // with a padded load, gets here in the other): what follows the word
    // below reads a byte after it.
    const unsigned char* q = fp + 2 * n;
    const bool ends = end - q >= 2 ? EndsArabicWord(q)
                      : q == end   ? kTail
                                   : *q < 0x80 && kAsciiEndsLetterRun[*q];
    if (!(n > 0 && fits && ends)) {
      // The diacritics of a word (tanween in أيضاً, a shadda) fold to
      // nothing: such a word is taken here too, if it is otherwise one of
      // these. GatherMarkedArabicWord writes its letters at aw.
      if (!(n > 0 && end - q >= 2 && IsFoldedArabicMark(q))) break;
      const MarkedWord mw = GatherMarkedArabicWord<kFoldTeh>(fp, end, aw);
      if (mw.end == nullptr) break;
      n = mw.letters;
      q = mw.end;
      v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(aw));
      v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(aw + 16));
    }
    const uint32_t len = static_cast<uint32_t>(2 * n);
    char* const w = aw;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(w), v0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(w + 16), v1);  // kRoom >= 32
    aw = w + len;
    // The token's fields are stored as soon as they are known, which keeps
    // fewer values live in registers across the hashes and the stemmer.
    Token* const t = tw++;
    StoreTokenSpans(t, static_cast<uint32_t>(fp - base), static_cast<uint32_t>(q - base),
                    static_cast<uint32_t>(w - abase), len);
    const uint64_t a0 = static_cast<uint64_t>(_mm_cvtsi128_si64(v0));
    const uint64_t b0 = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(v0, v0)));
    uint64_t norm_hash;
    if (len <= 16) {
      norm_hash =
          HashShort(a0 & kHashTailMasks.lo[len], b0 & kHashTailMasks.hi[len], len);
    } else {  // Hash64's loop runs once, on the first 16 bytes
      const uint64_t a1 = static_cast<uint64_t>(_mm_cvtsi128_si64(v1));
      const uint64_t b1 = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(v1, v1)));
      norm_hash = Hash64Finish(a1 & kHashTailMasks.lo[len - 16], b1 & kHashTailMasks.hi[len - 16],
                               Hash64Block(a0, b0, kHashK0), len);
    }
    t->norm_hash = norm_hash;
    if (pending & kTokNewlineBefore) marks->push_back(static_cast<uint32_t>(t - tbase));
    t->kind = TokenKind::kWord;
    t->flags = static_cast<uint16_t>(pending | kTokArabic |
                                     IsStopWordHash(norm_hash) * kTokStop);  // no branch
    StemSpan st{0, len};
    // The stemmer has the first four letters in a register (a0) and reads
    // the last four back from the arena: one load inside the 16-byte store
    // just made, which forwards cheaply (cheaper than shifting them out of
    // the 128-bit register, which GCC did through the stack).
    const unsigned char* const uw = reinterpret_cast<const unsigned char*>(w);
    if (kStems) {
      st = internal::StemArabicWord(internal::MemLetters{uw}, static_cast<size_t>(n), a0,
                                    internal::ArabicLast4Padded(uw, len));
    }
    // Hash64Padded without its loop for the usual stem of up to 16 bytes
    // (kRoom bytes follow the word in the arena).
    const unsigned char* const stem = uw + st.skip;
    t->stem_hash = st.len <= 16 ? HashShort(LoadLe64(stem) & kHashTailMasks.lo[st.len],
                                            LoadLe64(stem + 8) & kHashTailMasks.hi[st.len], st.len)
                                : Hash64Padded(stem, st.len);
    t->stem_len = st.len;
    t->stem_skip = static_cast<uint8_t>(st.skip);
    fp = q;
    // Take the usual single space here rather than in another trip round
    // Scan's loop (whose dispatch would mispredict), and so the usual
    // punctuation after a word and the space after it.
    pending = 0;
    breaks = 0;
    if (kTail && fp == end) break;
    if (*fp == ' ') {
      pending = kTokSpaceBefore;
      ++fp;
    } else if (TakeAsciiPunct(&fp, end, base, abase, aw, &tw, tbase, marks) ||
               TakeArabicComma(&fp, end, base, abase, aw, &tw)) {
      ++np;
      if (fp < end && *fp == ' ') {
        pending = kTokSpaceBefore;
        ++fp;
      }
    }
    // On to the next word while there is room for it (if no word starts
    // here, n is 0 above).
    if (fp > stop) break;
  }
  *letters += static_cast<uint32_t>(aw - c->aw) / 2;  // two bytes each
  c->p = fp;
  c->aw = aw;
  c->tw = tw;
  c->pending = pending;
  c->breaks = breaks;
  *puncts = np;
  return static_cast<uint32_t>(tw - tw0);
}

// The word-run loop for Latin: words of up to 15 bytes of ASCII letters
// (with one internal apostrophe), lower-cased in the register, each
// followed by a character that ends a Latin word (kLatinWordEnd; a '.', an
// apostrophe or ':' only when it cannot continue the word as in U.S.,
// bbc.com, don't or http://), and the space or punctuation after it.
// Hashes come from the register; five words in six cannot be stemmed
// (EnglishStemCandidate), the others are stemmed without branches
// (StemEnglishTail) from the word's last 8 bytes.
//
// kTail: the version for the last 16 bytes of the text.
//
// REQUIRES: c->p[0] is an ASCII letter, c->p + 17 <= end (unless kTail),
// c->aw <= aw_limit, and kTokRoom tokens of room at c->tw.
template <bool kStems, bool kTail>
QALAM_HOT_LOOP uint32_t TakeLatinWords(FastCursor* c, const FastLimits& l, uint32_t* puncts,
                                       uint32_t* letters) {
  const unsigned char* const base = l.base;
  const unsigned char* const end = l.end;
  const char* const abase = l.abase;
  const Token* const tbase = l.tbase;
  std::vector<uint32_t>* const marks = l.marks;
  const unsigned char* fp = c->p;
  char* aw = c->aw;
  char* const aw0 = aw;
  Token* tw = c->tw;
  Token* const tw0 = tw;
  uint16_t pending = c->pending;
  int breaks = c->breaks;
  uint32_t np = 0, apostrophes = 0, number_bytes = 0;
  const unsigned char* const stop = RunStop(c, l, kTail ? 1 : 17);
  for (;;) {
    const unsigned char b0 = *fp;
    const __m128i v =
        kTail ? LoadUpTo16(fp, end) : _mm_loadu_si128(reinterpret_cast<const __m128i*>(fp));
    const __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
    const __m128i is_letter = _mm_cmpeq_epi8(
        _mm_subs_epu8(_mm_sub_epi8(lower, _mm_set1_epi8('a')), _mm_set1_epi8(25)),
        _mm_setzero_si128());
    const uint32_t letter_mask = static_cast<uint32_t>(_mm_movemask_epi8(is_letter));
    uint32_t n = static_cast<uint32_t>(__builtin_ctz(~letter_mask | 0x10000u));  // bytes
    if (n == 0) {
      // No word here: white space and punctuation as Scan's loop would
      // take them, and on to the next word if one follows.
      const unsigned char* const at = fp;
      Token* const tw1 = tw;
      while (fp <= stop && TakeAsciiSeparator(&fp, end, base, abase, aw, &tw, tbase, marks,
                                              &pending, &breaks)) {
      }
      np += static_cast<uint32_t>(tw - tw1);
      // Numbers count as words, without letters.
      const char* const aw1 = aw;
      if (fp <= stop && static_cast<unsigned char>(*fp - '0') < 10 &&
          TakeAsciiNumber(&fp, end, base, abase, &aw, &tw, tbase, marks, &pending, &breaks)) {
        number_bytes += static_cast<uint32_t>(aw - aw1);
      }
      if (fp == at || fp > stop) break;
      continue;
    }
    const unsigned char* q = fp + n;  // q <= fp + 16 < end
    // Takes the word [fp, q) if it ends there; false to end the run. Its
    // copy for words with an internal apostrophe (don't, Obama's,
    // O'Brien: about one word in sixty) is a copy of its own, which keeps
    // the common one free of it.
    auto take_word = [&](auto apostrophe_tag) -> bool {
      constexpr bool kApostrophe = decltype(apostrophe_tag)::value;
      // At the end of the text the word ends there; a '.' or an apostrophe
      // in the last byte ends it too.
      const uint8_t how = kTail && q == end ? uint8_t{kEndAlways} : kLatinWordEnd[*q];
      if (!(n < 16 && how != kEndNever &&
            (how == kEndAlways || (kTail && end - q == 1 && *q != ':') ||
             LatinWordEndsAt(b0, q)))) {
        return false;
      }
      if (kApostrophe) ++apostrophes;
      char* const w = aw;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(w), lower);
      aw = w + n;
      Token* const t = tw++;
      StoreTokenSpans(t, static_cast<uint32_t>(fp - base), static_cast<uint32_t>(q - base),
                      static_cast<uint32_t>(w - abase), n);
      // Case flags without branches: lower-case letters have bit 5 set,
      // which a 16-bit shift by 2 moves to bit 7 of each byte, where
      // movemask reads it (and so does the apostrophe, which is no letter).
      // The word is upper-case if its first byte is, all upper-case if no
      // lower-case letter comes before its end.
      const uint32_t lower_case =
          static_cast<uint32_t>(_mm_movemask_epi8(_mm_slli_epi16(v, 2))) & letter_mask;
      const uint32_t upper = (lower_case & 1) ^ 1;
      const uint32_t all_upper =
          static_cast<uint32_t>(n - kApostrophe >= 2) &
          static_cast<uint32_t>(static_cast<uint32_t>(__builtin_ctz(lower_case | 0x10000u)) >= n);
      const uint64_t a = static_cast<uint64_t>(_mm_cvtsi128_si64(lower));
      const uint64_t b =
          static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(lower, lower)));
      const uint64_t norm_hash =
          HashShort(a & kHashTailMasks.lo[n], b & kHashTailMasks.hi[n], n);
      t->norm_hash = norm_hash;
      if (pending & kTokNewlineBefore) marks->push_back(static_cast<uint32_t>(t - tbase));
      t->kind = TokenKind::kWord;
      t->flags = static_cast<uint16_t>(pending | kTokLatin | (upper * kTokUpper) |
                                       (all_upper * kTokAllUpper) |
                                       IsStopWordHash(norm_hash) * kTokStop);  // no branch
      // The stem is a prefix: its hash needs only other masks. Bytes before
      // a short word are ignored by StemEnglishTail, but must exist.
      uint32_t s = n;
      uint64_t stem_hash = norm_hash;
      if (kStems && kApostrophe) {  // the possessive 's and the like: the plain stemmer
        s = StemEnglishLetters(absl::string_view(w, n)).len;
        stem_hash = HashShort(a & kHashTailMasks.lo[s], b & kHashTailMasks.hi[s], s);
      } else if (kStems &&
                 internal::EnglishStemCandidate(
                     static_cast<unsigned char>(q[-1 - (n >= 2)] | 0x20),  // q - 1 if n is 1
                     static_cast<unsigned char>(q[-1] | 0x20), n)) {
        if (q - base >= 8) {
          s = internal::StemEnglishTail(LoadLe64(q - 8) | 0x2020202020202020u, n,
                                        internal::FirstEnglishVowel(lower));
        } else {
          s = StemEnglishLetters(absl::string_view(w, n)).len;
        }
        stem_hash = HashShort(a & kHashTailMasks.lo[s], b & kHashTailMasks.hi[s], s);
      }
      t->stem_hash = stem_hash;
      t->stem_len = s;
      t->stem_skip = 0;
      fp = q;
      pending = 0;
      breaks = 0;
      if (kTail && fp == end) return false;
      if (*fp == ' ') {  // q < end: see above
        pending = kTokSpaceBefore;
        ++fp;
      } else if (TakeAsciiPunct(&fp, end, base, abase, aw, &tw, tbase, marks)) {
        // A comma or period (or other one-byte token) right after the word,
        // and the single space after it.
        ++np;
        if (fp < end && *fp == ' ') {
          pending = kTokSpaceBefore;
          ++fp;
        }
      }
      return true;
    };
    // An internal apostrophe and more letters are part of the word, as in
    // the general path.
    if ((!kTail || q < end) && *q == '\'' && n < 15 && ((letter_mask >> (n + 1)) & 1)) {
      n += 1 + static_cast<uint32_t>(__builtin_ctz(~(letter_mask >> (n + 1))));
      q = fp + n;
      if (!take_word(std::true_type{})) break;
    } else if (!take_word(std::false_type{})) {
      break;
    }
    if (fp > stop) break;  // no room for another word (n is 0 if none starts here)
  }
  c->p = fp;
  c->aw = aw;
  c->tw = tw;
  c->pending = pending;
  c->breaks = breaks;
  *puncts = np;
  *letters += static_cast<uint32_t>(aw - aw0) - apostrophes - number_bytes;
  return static_cast<uint32_t>(tw - tw0);
}
#endif
}  // namespace

const char* TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kWord: return "word";
    case TokenKind::kNumber: return "number";
    case TokenKind::kUrl: return "url";
    case TokenKind::kEmail: return "email";
    case TokenKind::kHashtag: return "hashtag";
    case TokenKind::kMention: return "mention";
    case TokenKind::kPunct: return "punct";
    case TokenKind::kSymbol: return "symbol";
  }
  return "unknown";
}

void AnalyzedText::Reset(absl::string_view text) {
  text_ = text;
  tokens_.clear();
  sentences_.clear();
  marks_.clear();
  arena_.Truncate(0);
  word_count_ = 0;
  letters_by_script_.fill(0);
  // Typical news: a token per ~6 bytes; normalised forms are at most about
  // as long as the text. Reserving avoids regrowth on the first articles.
  if (tokens_.capacity() < text.size() / 5 + 16) tokens_.reserve(text.size() / 5 + 16);
  arena_.Reserve(text.size() + 64);
}

Analyzer::Analyzer(AnalyzerOptions options)
    : options_(options), normalizer_(options.normalizer) {}

absl::Status Analyzer::Analyze(absl::string_view text, AnalyzedText* out) const {
  if (text.size() >= kMaxAnalyzedBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("text of ", text.size(), " bytes is too large to analyse"));
  }
  out->Reset(text);
  Scan(text, out);
  if (options_.sentences) SplitSentences(*out, &out->sentences_);
  return absl::OkStatus();
}

// Computes norm/stem hashes, the stem and the stop flag of a finished
// word-like token whose normalised form is the arena's tail from norm_off.
void Analyzer::FinishToken(AnalyzedText* out, Token* t, bool arabic_letters_only) const {
  t->norm_len = static_cast<uint32_t>(out->arena_.size() - t->norm_off);
  absl::string_view norm(out->arena_.data() + t->norm_off, t->norm_len);
  // The arena keeps at least 16 bytes after every normalised form (see
  // Scan), so the padded hash may read past it.
  t->norm_hash = Hash64Padded(norm.data(), norm.size());
  t->stem_skip = 0;
  t->stem_len = t->norm_len;
  t->stem_hash = t->norm_hash;
  if (t->kind == TokenKind::kWord) {
    if (options_.stems) {
      StemSpan s{0, t->norm_len};
      if (arabic_letters_only) {
        s = StemArabicLetters(norm);
      } else if (t->flags & kTokArabic) {
        s = StemArabic(norm);
      } else if (t->flags & kTokLatin) {
        s = StemEnglish(norm);
      }
      // Branch-free: half of all words have a stem of their own.
      t->stem_skip = static_cast<uint8_t>(s.skip);
      t->stem_len = s.len;
      t->stem_hash = Hash64Padded(norm.data() + s.skip, s.len);
    }
    t->flags |= static_cast<uint16_t>(IsStopWordHash(t->norm_hash) * kTokStop);
  }
  ++out->word_count_;
}

void Analyzer::Scan(absl::string_view text, AnalyzedText* out) const {
  const uchar* const base = reinterpret_cast<const uchar*>(text.data());
  const uchar* const end = base + text.size();
  const uchar* p = base;
  NormArena& arena = out->arena_;
  TokenVector& toks = out->tokens_;
  auto& script_letters = out->letters_by_script_;
  const bool teh = options_.normalizer.fold_teh_marbuta;
  const bool stems = options_.stems;  // a local: stores through char* may alias *this
  constexpr int kRoom = Normalizer::kMaxFoldBytes;
  // ة is plain unless it is to be folded to ه.
  const uint64_t* const plain =
      teh ? internal::kPlainArabicPairsNoTeh : internal::kPlainArabicPairs;

  uint16_t pending = kTokSpaceBefore;  // flags for the next token
  int breaks = 0;                      // line breaks since the last token

  std::vector<uint32_t>& marks = out->marks_;
  // Appends a token, marking it for the sentence splitter if it can matter.
  auto push = [&](const Token& t) {
    bool mark = (t.flags & (kTokNewlineBefore | kTokEnder | kTokDotted)) != 0;
    if (t.kind == TokenKind::kPunct && !mark) {
      const uchar c = base[t.begin];
      mark = c == '(' || c == ')' || c == '[' || c == ']';
    }
    if (mark) marks.push_back(static_cast<uint32_t>(toks.size()));
    toks.push_back(t);
  };
  auto start_token = [&](const uchar* at, TokenKind kind) {
    Token t;
    t.begin = static_cast<uint32_t>(at - base);
    t.end = t.begin;
    t.norm_off = static_cast<uint32_t>(arena.size());
    t.norm_len = 0;
    t.stem_len = 0;
    t.stem_skip = 0;
    t.kind = kind;
    t.flags = pending;
    t.norm_hash = 0;
    t.stem_hash = 0;
    pending = 0;
    breaks = 0;
    return t;
  };
  // Normalises [b, e) into the arena (URLs, e-mails, mentions, hashtags).
  auto fold_span = [&](const uchar* b, const uchar* e) {
    char* w = arena.Reserve(kRoom);
    while (b < e) {
      if (arena.limit() - w < kRoom) {
        arena.Commit(w);
        w = arena.Reserve(kRoom);
      }
      int len;
      uint32_t cp = DecodeAt(b, e, &len);
      w = Normalizer::WriteFolded(GetCharInfo(cp), b, len, teh, w);
      b += len;
    }
    arena.Commit(w);
  };

  // The general path: one token (or white space) of any kind at p. The fast
  // paths above it in the loop take the common tokens.
  auto general_step = [&]() {
    const uchar b0 = *p;
    int len;
    uint32_t cp = b0 < 0x80 ? (len = 1, b0) : DecodeAt(p, end, &len);
    const CharInfo& ci = GetCharInfo(cp);
    const uint16_t f = ci.flags;

    if (f & (kCharSpace | kCharControl)) {
      pending |= kTokSpaceBefore;
      p += len;
      return;
    }
    if (f & kCharNewline) {
      pending |= kTokSpaceBefore | kTokNewlineBefore;
      // CR LF is one line break.
      if (!(b0 == '\r' && p + 1 < end && p[1] == '\n')) {
        if (++breaks >= 2) pending |= kTokParagraphBefore;
      }
      p += len;
      return;
    }
    if (f & kCharIgnorable) {  // outside a word it separates nothing
      p += len;
      return;
    }

    if (f & (kCharLetter | kCharDigit | kCharMark)) {
      // URL with a scheme or www.
      uchar lower = static_cast<uchar>(b0 | 0x20);
      if (lower == 'h' || lower == 'w' || lower == 'f') {
        if (const uchar* ue = ExplicitUrlAt(p, end)) {
          Token t = start_token(p, TokenKind::kUrl);
          fold_span(p, ue);
          t.end = static_cast<uint32_t>(ue - base);
          FinishToken(out, &t, false);
          push(t);
          p = ue;
          return;
        }
      }
      Token t = start_token(p, TokenKind::kWord);
      const uchar* q = p;
      uint32_t letters = 0, uppers = 0;
      uint8_t first_script = kScriptOther;
      bool has_digit = false;
      bool ascii_only = true;
      bool arabic_only = true;  // normalised form: Arabic letters only
      char* w = arena.Reserve(kRoom);
      // Room for a fast run: each step writes at most 2 bytes and the slow
      // step at most kMaxFoldBytes, so checking against this limit once per
      // character keeps kRoom bytes free.
      char* w_limit = arena.limit() - kRoom;
      // The word loop: every character of every word passes here. Plain
      // Arabic letters (copied as they are) and ASCII letters (lower-cased)
      // need no decoding or table lookup and make up most of news text; the
      // fast runs take them, the general step takes the rest.
      for (;;) {
        if (arabic_only && q < end && *q >= 0xC0) {
          const uchar* run = q;
#ifdef __SSE2__
          // w <= w_limit leaves kRoom >= 16 bytes for the 16-byte store.
          while (end - q >= 16 && w <= w_limit) {
            __m128i folded;
            const int n = CommonArabicRun16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)),
                                            teh, &folded);
            _mm_storeu_si128(reinterpret_cast<__m128i*>(w), folded);
            w += 2 * n;
            q += 2 * n;
            if (n < 8) break;
          }
#endif
          // The usual end of an Arabic word: an ASCII space or punctuation
          // mark, which can never continue it. Leave without the slower
          // checks below (they sit on the critical path of every word).
          if (q != run && end - q >= 2 && EndsArabicWord(q)) {
            if (letters == 0) {
              first_script = kScriptArabic;
              t.flags |= kTokArabic;
            }
            letters += static_cast<uint32_t>(q - run) / 2;
            // Not ASCII: an Arabic word before ".x.com" is no bare domain.
            // (Without this, "عربية.3.5bbc.com" was one URL token here and
            // three tokens on the fast path.)
            ascii_only = false;
            break;
          }
          for (;;) {
            // Bytes in = bytes out here, so the room left bounds the run
            // and the loop needs no check of its own.
            const uchar* q_lim = end - 1;
            if (w_limit - w < q_lim - q) q_lim = q + (w_limit - w);
            while (q < q_lim && IsPlainArabicPair(q, plain)) {
              std::memcpy(w, q, 2);
              w += 2;
              q += 2;
            }
            if (q < end - 1 && w >= w_limit && IsPlainArabicPair(q, plain)) {
              arena.Commit(w);
              w = arena.Reserve(kRoom);
              w_limit = arena.limit() - kRoom;
              continue;
            }
            break;
          }
          if (q != run) {
            if (letters == 0) {
              first_script = kScriptArabic;
              t.flags |= kTokArabic;
            }
            letters += static_cast<uint32_t>(q - run) / 2;
            ascii_only = false;
          }
        }
        if (ascii_only) {
          const uchar* run = q;
#ifdef __SSE2__
          while (end - q >= 16 && w <= w_limit) {
            __m128i lower;
            const int n = AsciiLetters16(q, w, &uppers, &lower);
            w += n;
            q += n;
            if (n < 16) break;
          }
#endif
          while (q < end && static_cast<uchar>((*q | 0x20) - 'a') < 26) {
            if (w > w_limit) {
              arena.Commit(w);
              w = arena.Reserve(kRoom);
              w_limit = arena.limit() - kRoom;
            }
            *w++ = static_cast<char>(*q | 0x20);
            uppers += *q < 'a';
            ++q;
          }
          if (q != run) {
            if (letters == 0) {
              first_script = kScriptLatin;
              t.flags |= kTokLatin;
              if (*run < 'a') t.flags |= kTokUpper;
            }
            letters += static_cast<uint32_t>(q - run);
            arabic_only = false;
          }
        }
        // The general step: one character of any kind.
        if (q >= end) break;
        const uchar c = *q;
        uint32_t wc;
        int l;
        if (c < 0x80) {
          wc = c;
          l = 1;
        } else if (c >= 0xC2 && c < 0xE0 && q + 1 < end && (q[1] & 0xC0) == 0x80) {
          wc = (static_cast<uint32_t>(c & 0x1F) << 6) | (q[1] & 0x3F);
          l = 2;
        } else {
          wc = DecodeAt(q, end, &l);
        }
        const CharInfo& wi = GetCharInfo(wc);
        const uint16_t wf = wi.flags;
        if (wf & (kCharLetter | kCharDigit | kCharMark | kCharIgnorable)) {
          // The stemmer's fast entry wants letters of U+0620-U+06FF only
          // (two bytes each once normalised); diacritics, tatweel and ZWNJ
          // fold to nothing. Anything else (digits, marks that stay, other
          // Arabic blocks) sends the word to the checked stemmer.
          arabic_only &= ((wf & kCharLetter) && wc >= 0x0620 && wc <= 0x06FF) ||
                         ((wf & kCharFolds) && wi.fold_len == 0);
          if (wf & kCharLetter) {
            if (letters == 0) {
              first_script = wi.script;
              if (wi.script == kScriptArabic) t.flags |= kTokArabic;
              if (wi.script == kScriptLatin) t.flags |= kTokLatin;
              if (wf & kCharUpper) t.flags |= kTokUpper;
            }
            ++letters;
            uppers += (wf & kCharUpper) != 0;
          } else if (wf & kCharDigit) {
            has_digit = true;
          }
        } else if ((wc == '\'' || wc == 0x2019) && letters > 0 && LatinLetterAt(q + l, end)) {
          // internal apostrophe: don't, O'Brien, l'État
          arabic_only = false;
        } else if ((wc == '.' || wc == ',' || wc == 0x066B || wc == 0x066C) && has_digit &&
                   letters == 0 && DigitAt(q + l, end)) {
          // decimal or thousands separator inside a number: 3.5 1,000 ٣٫٥
        } else {
          break;
        }
        if (c >= 0x80) ascii_only = false;
        if (w > w_limit) {
          arena.Commit(w);
          w = arena.Reserve(kRoom);
          w_limit = arena.limit() - kRoom;
        }
        w = Normalizer::WriteFolded(wi, q, l, teh, w);
        q += l;
      }
      arena.Commit(w);
      if (letters == 0) t.kind = TokenKind::kNumber;
      if (letters >= 2 && uppers == letters) t.flags |= kTokAllUpper;
      script_letters[first_script < script_letters.size() ? first_script
                                                          : static_cast<uint8_t>(kScriptOther)] += letters;

      if (ascii_only && q < end && *q == '.') {
        // Bare domains: bbc.co.uk, Example.com/path
        if (const uchar* de = BareDomainEnd(p, q, end)) {
          arena.Truncate(t.norm_off);
          fold_span(p, de);
          t.kind = TokenKind::kUrl;
          q = de;
        } else if (t.kind == TokenKind::kWord && q - p <= 3) {
          // Dotted abbreviations: U.S.  e.g.  Ph.D.  a.m.  (short segments)
          const uchar* r = q;
          int segments = 0;
          while (r + 1 < end && *r == '.' && IsAsciiAlpha(r[1])) {
            const uchar* s = r + 1;
            while (s < end && IsAsciiAlpha(*s) && s - r <= 4) ++s;
            if (s - (r + 1) > 3 || s >= end || *s != '.') break;
            r = s;
            ++segments;
          }
          if (segments > 0) {
            ++r;  // r was at the final '.', which belongs to the token
            arena.Truncate(t.norm_off);
            fold_span(p, r);
            q = r;
            t.flags |= kTokDotted;
          }
        }
      }
      t.end = static_cast<uint32_t>(q - base);
      FinishToken(out, &t, arabic_only && letters > 0 && t.kind == TokenKind::kWord);
      push(t);
      p = q;
      return;
    }

    // '#' or '@' after white space or punctuation: hashtag or mention.
    const bool after_break =
        (pending & kTokSpaceBefore) || toks.empty() || !IsWordLike(toks.back().kind);
    if (b0 == '#' && after_break && p + 1 < end) {
      const uchar* q = p + 1;
      uint32_t letters = 0;
      while (q < end) {
        int l;
        uint32_t hc = DecodeAt(q, end, &l);
        uint16_t hf = GetCharInfo(hc).flags;
        if (hf & kCharLetter) {
          ++letters;
        } else if (!(hf & (kCharDigit | kCharMark | kCharIgnorable)) && hc != '_') {
          break;
        }
        q += l;
      }
      if (letters > 0) {
        Token t = start_token(p, TokenKind::kHashtag);
        fold_span(p, q);
        t.end = static_cast<uint32_t>(q - base);
        FinishToken(out, &t, false);
        push(t);
        p = q;
        return;
      }
    }
    if (b0 == '@') {
      // E-mail: the local part was just tokenised as words and punctuation;
      // take those tokens back and emit one e-mail token.
      if (!after_break && !toks.empty() && toks.back().end == static_cast<uint32_t>(p - base)) {
        const uchar* ls = p;
        while (ls > base && IsEmailLocalChar(ls[-1])) --ls;
        while (ls < p && *ls == '.') ++ls;
        const uchar* de = (ls < p) ? EmailDomainEnd(p + 1, end) : nullptr;
        if (de != nullptr) {
          uint32_t start = static_cast<uint32_t>(ls - base);
          size_t k = toks.size();
          while (k > 0 && toks[k - 1].begin >= start) --k;
          bool straddles = k > 0 && toks[k - 1].end > start;
          if (k < toks.size() && !straddles && toks[k].begin == start) {
            uint16_t first_flags = toks[k].flags & (kTokSpaceBefore | kTokNewlineBefore |
                                                    kTokParagraphBefore);
            for (size_t i = k; i < toks.size(); ++i) {
              if (IsWordLike(toks[i].kind)) --out->word_count_;
            }
            arena.Truncate(toks[k].norm_off);
            toks.resize(k);
            while (!marks.empty() && marks.back() >= k) marks.pop_back();
            Token t = start_token(ls, TokenKind::kEmail);
            t.flags = first_flags;
            fold_span(ls, de);
            t.end = static_cast<uint32_t>(de - base);
            FinishToken(out, &t, false);
            push(t);
            p = de;
            return;
          }
        }
      }
      if (after_break && p + 1 < end && (IsAsciiAlnum(p[1]) || p[1] == '_')) {
        const uchar* q = p + 1;
        while (q < end && (IsAsciiAlnum(*q) || *q == '_')) ++q;
        Token t = start_token(p, TokenKind::kMention);
        fold_span(p, q);
        t.end = static_cast<uint32_t>(q - base);
        FinishToken(out, &t, false);
        push(t);
        p = q;
        return;
      }
    }

    if (f & kCharEnder) {
      // A run of enders is one token: "..." "?!" "؟!" "!!!".
      Token t = start_token(p, TokenKind::kPunct);
      t.flags |= kTokEnder;
      int dots = 0;
      const uchar* q = p;
      while (q < end) {
        int l;
        uint32_t ec = DecodeAt(q, end, &l);
        if (!(GetCharInfo(ec).flags & kCharEnder)) break;
        if (ec == '.' || ec == 0xFF0E) {
          ++dots;
        } else if (ec == 0x2026) {
          dots += 3;
        } else if (ec != 0x06D4 && ec != 0x3002 && ec != 0xFF61) {
          t.flags |= kTokQuestion;
        }
        q += l;
      }
      if (dots >= 2) t.flags |= kTokEllipsis;
      t.end = static_cast<uint32_t>(q - base);
      push(t);
      p = q;
      return;
    }

    // Any other character is one punctuation or symbol token.
    Token t = start_token(p, (f & kCharPunct) ? TokenKind::kPunct : TokenKind::kSymbol);
    t.flags |= PunctFlags(f);
    t.end = static_cast<uint32_t>(p + len - base);
    push(t);
    p += len;
  };

  // The arena's write position, kept in locals by the fast paths: stores
  // through char* may alias the arena's own fields, so NormArena::Reserve
  // and Commit reloaded and rewrote them for every token. Synced with the
  // arena around the general path.
  char* aw;
  char* aw_limit;  // aw <= aw_limit: at least kRoom bytes of room at aw
  const char* abase;
  auto load_arena = [&] {
    aw = arena.Reserve(kRoom);
    aw_limit = arena.limit() - kRoom;
    abase = arena.data();
  };
  load_arena();
  // Returns where a fast path may write a normalised form (kRoom bytes).
  auto fast_room = [&]() -> char* {
    if (aw > aw_limit) {
      arena.Commit(aw);
      load_arena();
    }
    return aw;
  };

  // Counts kept by the fast paths, added to `out` at the end.
  uint32_t fast_words = 0, fast_arabic_letters = 0, fast_latin_letters = 0;
#if defined(__SSE2__) && defined(__x86_64__)
  // The word-run loops for these options, and their versions for the last
  // bytes of the text.
  WordRunFn* const take_arabic =
      stems ? (teh ? TakeArabicWords<true, true, false> : TakeArabicWords<true, false, false>)
            : (teh ? TakeArabicWords<false, true, false> : TakeArabicWords<false, false, false>);
  WordRunFn* const take_arabic_tail =
      stems ? (teh ? TakeArabicWords<true, true, true> : TakeArabicWords<true, false, true>)
            : (teh ? TakeArabicWords<false, true, true> : TakeArabicWords<false, false, true>);
  WordRunFn* const take_latin =
      stems ? TakeLatinWords<true, false> : TakeLatinWords<false, false>;
  WordRunFn* const take_latin_tail =
      stems ? TakeLatinWords<true, true> : TakeLatinWords<false, true>;
#endif

  // The loop's position and pending flags, also in locals: general_step
  // (not inlined) takes p, pending and breaks by reference, which kept them
  // in memory for every fast-path token. Synced around general_step.
  const uchar* fp = p;
  uint16_t fpending = pending;
  int fbreaks = breaks;
  // The token vector's write position, also in locals, for the same
  // reason: push_back reloaded and rewrote the vector's end pointer for
  // every token. The vector is sized to its capacity while the fast paths
  // write (TokenVector's allocator makes that free) and to its tokens
  // around the general path, which uses it as a vector.
  Token* tbase;
  Token* tw;
  Token* tlim;
  auto open_tokens = [&] {
    const size_t n = toks.size();
    if (toks.capacity() - n < static_cast<size_t>(kTokRoom)) {
      toks.reserve(std::max(2 * toks.capacity(), n + kTokRoom));
    }
    toks.resize(toks.capacity());
    tbase = toks.data();
    tw = tbase + n;
    tlim = tbase + toks.size();
  };
  auto close_tokens = [&] { toks.resize(static_cast<size_t>(tw - tbase)); };
  open_tokens();
  auto general = [&] {
    close_tokens();
    p = fp;
    pending = fpending;
    breaks = fbreaks;
    general_step();
    fp = p;
    fpending = pending;
    fbreaks = breaks;
    open_tokens();
  };
#if defined(__SSE2__) && defined(__x86_64__)
  // Takes a run of words with a word-run loop; false if it took nothing.
  auto take_run = [&](WordRunFn* take, uint32_t* letters) {
    char* const aw0 = fast_room();
    FastCursor c{fp, aw0, tw, fpending, fbreaks};
    uint32_t puncts = 0;
    const uint32_t taken =
        take(&c, FastLimits{base, end, abase, aw_limit, tbase, tlim, &marks}, &puncts, letters);
    if (taken == 0) return false;
    fast_words += taken - puncts;
    fp = c.p;
    aw = c.aw;
    tw = c.tw;
    fpending = c.pending;
    fbreaks = c.breaks;
    return true;
  };
#endif

  while (fp < end) {
    const uchar b0 = *fp;
    if (tlim - tw < kTokRoom) {  // rarely: the vector grows
      close_tokens();
      open_tokens();
    }
    if (!fast_paths_) {  // tests: the general path alone, as the reference
      arena.Commit(aw);
      general();
      load_arena();
      continue;
    }
#if defined(__SSE2__) && defined(__x86_64__)
    // Fast paths first, before any decoding. Each takes a whole token of
    // the commonest kinds -- a word of common Arabic letters, a word of ASCII
    // letters, then (below) ASCII punctuation and numbers -- when the
    // character after it is one that ends it whatever came before. A word
    // step also takes the single space after the word, or the punctuation
    // mark and the space after that (TakeAsciiPunct, TakeArabicComma):
    // every trip round this loop costs a dispatch that mispredicts at the
    // change of token kind. Their tokens are exactly what the general path
    // below would make: tokenizer_test.cc compares the two, field for
    // field, for every kind of following character at every position of
    // the 16- and 32-byte windows.
    //
    // Words come in runs, taken by a loop of their own for each script
    // (TakeArabicWords, TakeLatinWords) until the run ends.
    if ((b0 == 0xD8 || b0 == 0xD9) &&
        take_run(end - fp >= 16 ? take_arabic : take_arabic_tail, &fast_arabic_letters)) {
      continue;
    }
    if (static_cast<uchar>((b0 | 0x20) - 'a') < 26 &&
        take_run(end - fp >= 17 ? take_latin : take_latin_tail, &fast_latin_letters)) {
      continue;
    }
#endif
    // ASCII that is not a letter or digit: white space and most
    // punctuation take one table lookup (kAsciiAction) instead of decoding,
    // the character table and the general dispatch below.
    if (b0 < 0x80) {
      if (TakeAsciiSeparator(&fp, end, base, abase, aw, &tw, tbase, &marks, &fpending,
                             &fbreaks)) {
        continue;
      }
      if (static_cast<uchar>(b0 - '0') < 10) {
        fast_room();
        if (TakeAsciiNumber(&fp, end, base, abase, &aw, &tw, tbase, &marks, &fpending,
                            &fbreaks)) {
          ++fast_words;
          continue;
        }
      }
    } else if (!(fpending & kTokNewlineBefore) &&
               TakeArabicComma(&fp, end, base, abase, aw, &tw, fpending)) {
      // The Arabic comma and semicolon: one punctuation token each.
      fpending = 0;
      fbreaks = 0;
      continue;
    } else if (b0 == 0xC2 && end - fp >= 2 && (fp[1] == 0xA0 || fp[1] == 0xAB || fp[1] == 0xBB)) {
      // The no-break space, « and », as the general path takes them: a
      // space, and one punctuation token each.
      if (fp[1] == 0xA0) {
        fpending |= kTokSpaceBefore;
      } else {
        const uint16_t f = GetCharInfo(fp[1]).flags;  // U+00AB, U+00BB
        if (fpending & kTokNewlineBefore) marks.push_back(static_cast<uint32_t>(tw - tbase));
        const uint32_t at = static_cast<uint32_t>(fp - base);
        AppendToken(&tw, at, at + 2, static_cast<uint32_t>(aw - abase), 0, 0, 0,
                    (f & kCharPunct) ? TokenKind::kPunct : TokenKind::kSymbol,
                    fpending | PunctFlags(f), 0, 0);
        fpending = 0;
        fbreaks = 0;
      }
      fp += 2;
      continue;
    }
    arena.Commit(aw);  // the general path writes through the arena
    general();
    load_arena();
  }
  arena.Commit(aw);
  close_tokens();
  out->word_count_ += fast_words;
  script_letters[kScriptArabic] += fast_arabic_letters;
  script_letters[kScriptLatin] += fast_latin_letters;
}

}  // namespace text
}  // namespace qalam
