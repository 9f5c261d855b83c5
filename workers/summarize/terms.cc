#include "workers/summarize/terms.h"

#include <cstdint>
#include <cstring>

#include "workers/summarize/df_table.h"
#include "workers/text/stemmer.h"
#include "workers/text/stopwords.h"

namespace qalam {
namespace summarize {
namespace internal {
namespace {

using text::Token;
using text::TokenVector;
using text::TokenKind;

// Normalised Arabic letters are two bytes each; these are their UTF-8.
constexpr char kAlef[] = "\xD8\xA7";  // ا
constexpr char kBeh[] = "\xD8\xA8";   // ب
constexpr char kFeh[] = "\xD9\x81";   // ف
constexpr char kKaf[] = "\xD9\x83";   // ك
constexpr char kLam[] = "\xD9\x84";   // ل
constexpr char kWaw[] = "\xD9\x88";   // و

inline bool LetterIs(absl::string_view w, size_t i, const char* letter) {
  return w.size() >= 2 * i + 2 && w[2 * i] == letter[0] && w[2 * i + 1] == letter[1];
}

// True when every character of `w` is a two-byte Arabic-block letter (the
// normalised form of an ordinary Arabic word).
bool AllArabicPairs(absl::string_view w) {
  if (w.size() % 2 != 0) return false;
  for (size_t i = 0; i < w.size(); i += 2) {
    const unsigned char b = static_cast<unsigned char>(w[i]);
    if (b < 0xD8 || b > 0xDB) return false;
  }
  return true;
}

size_t CodePoints(absl::string_view w) {
  size_t n = 0;
  for (char c : w) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The letter at index i of w as a 16-bit value (first byte high), for
// comparing with the letter constants below. REQUIRES: w.size() >= 2i + 2.
inline uint32_t Letter(absl::string_view w, size_t i) {
  return (uint32_t{static_cast<unsigned char>(w[2 * i])} << 8) |
         static_cast<unsigned char>(w[2 * i + 1]);
}
constexpr uint32_t Code(const char* letter) {
  return (uint32_t{static_cast<unsigned char>(letter[0])} << 8) |
         static_cast<unsigned char>(letter[1]);
}
constexpr uint32_t kAlefCode = Code(kAlef), kBehCode = Code(kBeh), kFehCode = Code(kFeh),
                   kKafCode = Code(kKaf), kLamCode = Code(kLam), kWawCode = Code(kWaw);

// The recipe's single clitic prefix, longest first: the letters to strip, or
// 0. A two- or three-letter prefix must leave two letters, a one-letter
// prefix three. (Written with & and | rather than && and || on purpose:
// which clitic a word starts with is data, and branches on it mispredicted.)
size_t CliticPrefixLetters(absl::string_view w) {
  const size_t n = w.size() / 2;
  if (n < 4) return 0;
  const uint32_t l0 = Letter(w, 0), l1 = Letter(w, 1), l2 = Letter(w, 2);
  const bool wfbk = (l0 == kWawCode) | (l0 == kFehCode) | (l0 == kBehCode) | (l0 == kKafCode);
  const bool three = (n >= 5) & (l1 == kAlefCode) & (l2 == kLamCode) & wfbk;  // وال بال كال فال
  const bool two = (l1 == kLamCode) & ((l0 == kLamCode) | (l0 == kAlefCode));  // لل ال
  const bool one = wfbk | (l0 == kLamCode);                                    // و ف ب ل ك
  return three ? 3 : two ? 2 : one ? 1 : 0;
}

// Arabic clitic stripping for keyword keys (see KeywordTokens). The result
// is ("ال" if *add_al) + w.substr(2 * skip letters).
size_t Declitic(absl::string_view w, uint64_t w_hash, const DfTable* lexicon, bool* add_al) {
  *add_al = false;
  size_t skip = 0;
  for (int round = 0; round < 2; ++round) {
    const absl::string_view cur = w.substr(2 * skip);
    const size_t n = cur.size() / 2;
    if (n >= 4 && LetterIs(cur, 0, kLam) && LetterIs(cur, 1, kLam)) {
      // لل + X is ل + ال + X, or ل + ال + لX (للغة = ل + اللغة): take the
      // form the lexicon knows better.
      bool one = false;
      if (lexicon != nullptr) {
        char buf[128];
        if (cur.size() + 2 <= sizeof(buf)) {
          std::memcpy(buf, kAlef, 2);
          std::memcpy(buf + 2, kLam, 2);
          std::memcpy(buf + 4, cur.data() + 4, cur.size() - 4);
          const uint32_t a = lexicon->Count(Hash64(buf, cur.size()));  // ال + X
          std::memcpy(buf + 4, cur.data() + 2, cur.size() - 2);
          const uint32_t b = lexicon->Count(Hash64(buf, cur.size() + 2));  // ال + لX
          one = b > a;
        }
      }
      skip += one ? 1 : 2;
      *add_al = true;
      break;
    }
    if (n > 4 && LetterIs(cur, 1, kAlef) && LetterIs(cur, 2, kLam) &&
        (LetterIs(cur, 0, kWaw) || LetterIs(cur, 0, kFeh) || LetterIs(cur, 0, kBeh) ||
         LetterIs(cur, 0, kKaf))) {
      ++skip;  // و ف ب ك + ال...
      continue;
    }
    if (n >= 4 && lexicon != nullptr &&
        (LetterIs(cur, 0, kWaw) || LetterIs(cur, 0, kFeh) || LetterIs(cur, 0, kBeh) ||
         LetterIs(cur, 0, kLam))) {
      // ك is never stripped without ال: كبرى, كان. The rest must be clearly
      // the more common word (three times): ليلى is not ل + يلي.
      const uint32_t rest = lexicon->Count(Hash64(cur.substr(2)));
      const uint32_t whole = lexicon->Count(skip == 0 ? w_hash : Hash64(cur));
      if (rest >= 5 && rest >= 3 * uint64_t{whole}) {
        ++skip;
        continue;
      }
    }
    break;
  }
  return skip;
}

// The keyword key of an Arabic word (normalised, letters only).
uint64_t ArabicKey(absl::string_view norm, uint64_t norm_hash, const DfTable* lexicon,
                   uint8_t* drop, uint8_t* flags) {
  bool add_al = false;
  const size_t skip = Declitic(norm, norm_hash, lexicon, &add_al);
  *drop = static_cast<uint8_t>(skip);
  absl::string_view form = norm.substr(2 * skip);
  char buf[128];
  if (add_al) {
    if (form.size() + 4 > sizeof(buf)) return norm_hash;
    std::memcpy(buf, kAlef, 2);
    std::memcpy(buf + 2, kLam, 2);
    std::memcpy(buf + 4, form.data(), form.size());
    form = absl::string_view(buf, form.size() + 4);
    *flags |= kKwAddAl;
  }
  const text::StemSpan s = text::StemArabicLetters(form);
  return Hash64(form.data() + s.skip, s.len);
}

// Keys a non-hashtag word token; returns false when it is not a candidate.
bool WordKey(const text::AnalyzedText& doc, const Token& t, const DfTable* lexicon,
             KeywordToken* kt, WordKeyCache* cache) {
  const absl::string_view norm = doc.norm(t);
  kt->drop = 0;
  kt->flags = 0;
  if (t.flags & text::kTokUpper) kt->flags |= kKwUpper;
  if (t.flags & text::kTokLatin) {
    const absl::string_view surface = doc.surface(t);
    // Acronyms (US, UN, EU) and "New" (New York) are kept though they are
    // stop words once lower-cased.
    const bool ascii_upper = (t.flags & text::kTokAllUpper) && surface.size() == norm.size();
    if (ascii_upper || surface == "New") {
      kt->key = t.norm_hash;
      return true;
    }
    if (IsStopWord(doc, t) || HasAsciiDigit(norm)) return false;
    if (norm.size() >= 2 && norm[norm.size() - 2] == 'l' && norm[norm.size() - 1] == 'y') {
      kt->flags |= kKwLy;
    }
    if ((norm.size() > 2 && norm.substr(norm.size() - 2) == "'s") ||
        (norm.size() > 4 && norm.substr(norm.size() - 4) == "\xE2\x80\x99s")) {
      kt->flags |= kKwPossessive;
    }
    kt->key = t.stem_hash;
    return true;
  }
  // Past here, for a token flagged Arabic and not a stop word, the outcome
  // depends only on norm, t.norm_hash and the lexicon (t.stem_hash aside,
  // which is read, not kept): memoised.
  WordKeyCache::Entry* e = nullptr;
  if (cache != nullptr && (t.flags & (text::kTokArabic | text::kTokStop)) == text::kTokArabic &&
      norm.size() <= WordKeyCache::kMaxForm) {
    e = cache->Slot(lexicon, t.norm_hash);
    if (e->state != 0 && e->hash == t.norm_hash && e->len == norm.size() &&
        std::memcmp(e->form, norm.data(), norm.size()) == 0) {
      switch (e->state) {
        case WordKeyCache::kReject:
          return false;
        case WordKeyCache::kStemHash:
          kt->key = t.stem_hash;
          return true;
        default:
          kt->key = e->key;
          kt->drop = e->drop;
          kt->flags |= e->flags;
          return true;
      }
    }
  }
  uint8_t state;
  const uint8_t flags_before = kt->flags;
  if (IsStopWord(doc, t) || HasAsciiDigit(norm)) {
    state = WordKeyCache::kReject;
  } else if ((t.flags & text::kTokArabic) && AllArabicPairs(norm)) {
    kt->key = ArabicKey(norm, t.norm_hash, lexicon, &kt->drop, &kt->flags);
    state = WordKeyCache::kArabicKey;
  } else {
    kt->key = t.stem_hash;
    state = WordKeyCache::kStemHash;
  }
  if (e != nullptr) {
    e->hash = t.norm_hash;
    e->key = state == WordKeyCache::kArabicKey ? kt->key : 0;
    e->state = state;
    e->len = static_cast<uint8_t>(norm.size());
    e->drop = state == WordKeyCache::kArabicKey ? kt->drop : 0;
    e->flags = static_cast<uint8_t>(kt->flags & ~flags_before);
    std::memcpy(e->form, norm.data(), norm.size());
  }
  return state != WordKeyCache::kReject;
}

// Appends the parts of hashtag `t` (split at '_').
void HashtagParts(const text::AnalyzedText& doc, const Token& t, uint32_t sentence,
                  const DfTable* lexicon, std::vector<KeywordToken>* out) {
  const absl::string_view surface = doc.surface(t);
  const absl::string_view norm = doc.norm(t);
  if (surface.empty() || norm.empty() || surface[0] != '#' || norm[0] != '#') return;
  size_t sp = 1, np = 1;
  bool join = false;
  while (sp < surface.size() && np < norm.size()) {
    size_t se = surface.find('_', sp);
    size_t ne = norm.find('_', np);
    if (se == absl::string_view::npos) se = surface.size();
    if (ne == absl::string_view::npos) ne = norm.size();
    const absl::string_view part = norm.substr(np, ne - np);
    KeywordToken kt{};
    kt.begin = t.begin + static_cast<uint32_t>(sp);
    kt.end = t.begin + static_cast<uint32_t>(se);
    kt.sentence = sentence;
    const uint64_t h = Hash64(part);
    bool ok =
        !part.empty() && CodePoints(part) >= 2 && !HasAsciiDigit(part) && !text::IsStopWordHash(h);
    const unsigned char lead = part.empty() ? 0 : static_cast<unsigned char>(part[0]);
    if (ok && lead >= 0xD8 && lead <= 0xDB && AllArabicPairs(part)) {
      const size_t strip = CliticPrefixLetters(part);
      if (strip > 0 && text::IsStopWordHash(Hash64(part.substr(2 * strip)))) ok = false;
      if (ok) kt.key = ArabicKey(part, h, lexicon, &kt.drop, &kt.flags);
    } else if (ok) {
      const text::StemSpan s = text::StemEnglish(part);
      kt.key = Hash64(part.data() + s.skip, s.len);
      if (surface[sp] >= 'A' && surface[sp] <= 'Z') kt.flags |= kKwUpper;
    }
    if (ok && kt.end > kt.begin) {
      if (join) kt.flags |= kKwJoin;
      out->push_back(kt);
      join = true;
    } else {
      join = false;
    }
    sp = se + 1;
    np = ne + 1;
  }
}

}  // namespace

bool IsStopWord(const text::AnalyzedText& doc, const Token& t) {
  if (t.flags & text::kTokStop) return true;
  const absl::string_view norm = doc.norm(t);
  if (norm.size() <= 1) return true;
  if (norm.size() <= 4 && CodePoints(norm) < 2) return true;
  if (t.flags & text::kTokArabic) {
    const size_t strip = CliticPrefixLetters(norm);
    if (strip > 0 && text::IsStopWordHash(Hash64(norm.substr(2 * strip)))) return true;
  }
  return false;
}

void KeywordTokens(const text::AnalyzedText& doc, const DfTable* lexicon,
                   std::vector<KeywordToken>* out, WordKeyCache* cache) {
  // How many tokens ahead the memo's entry is fetched.
  constexpr size_t kPrefetchAhead = 8;
  const TokenVector& toks = doc.tokens();
  const std::vector<text::Sentence>& sents = doc.sentences();
  for (uint32_t si = 0; si < sents.size(); ++si) {
    // One past the product token that ended the current run (none yet: a
    // value no token index + 1 can equal).
    size_t run_end = SIZE_MAX - 1;
    for (size_t i = sents[si].token_begin; i < sents[si].token_end; ++i) {
      const Token& t = toks[i];
      if (cache != nullptr && i + kPrefetchAhead < toks.size()) {
        cache->Prefetch(toks[i + kPrefetchAhead].norm_hash);
      }
      if (t.kind == TokenKind::kWord) {
        // The previous token ended the run; a possessive ends a noun
        // phrase ("Iran's nuclear program": "nuclear program").
        const bool after_possessive = !out->empty() && (out->back().flags & kKwPossessive);
        // Keyed in place: a token built on the stack field by field and
        // then copied was read back in wider words than it was written, a
        // store-forwarding stall per word.
        KeywordToken& kt = out->emplace_back();
        if (!WordKey(doc, t, lexicon, &kt, cache)) {
          out->pop_back();
          continue;
        }
        kt.begin = t.begin;
        kt.end = t.end;
        kt.sentence = si;
        bool join = run_end == i && !after_possessive;
        if (!join && run_end + 1 == i && !after_possessive) {
          // "well-known": a hyphen without space on either side.
          const Token& h = toks[i - 1];
          join = h.kind == TokenKind::kPunct && h.end - h.begin == 1 &&
                 doc.text()[h.begin] == '-' && !(h.flags & text::kTokSpaceBefore) &&
                 !(t.flags & text::kTokSpaceBefore);
        }
        if (join) kt.flags |= kKwJoin;
        run_end = i + 1;
      } else if (t.kind == TokenKind::kHashtag) {
        const size_t before = out->size();
        HashtagParts(doc, t, si, lexicon, out);
        if (out->size() > before) run_end = i + 1;
      }
    }
  }
}

}  // namespace internal
}  // namespace summarize
}  // namespace qalam
