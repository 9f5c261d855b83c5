// How the summariser and the keyword extractor see the tokens of a text:
// which words are content words, and the keys of keyword candidates. These
// definitions decide the keys of the model's tables (df_table.h), so any
// change to them needs the models rebuilt. Internal to qalam_summarize.
//
// Pure functions over an AnalyzedText: thread-safe.
#ifndef QALAM_WORKERS_SUMMARIZE_TERMS_H_
#define QALAM_WORKERS_SUMMARIZE_TERMS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/hash.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace summarize {

class DfTable;

namespace internal {

// True when a byte of the 8 in x is an ASCII digit: x ^ '0' turns digits into
// bytes below 10, and the SWAR "has a byte less than 10" test is exact for
// whether there is one.
inline bool AnyDigitByte(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  const uint64_t y = x ^ (kOnes * '0');
  return ((y - kOnes * 10) & ~y & (kOnes * 0x80)) != 0;
}

// n <= 8 bytes at p, in the low bytes in memory order (which byte is which
// does not matter to "any").
inline uint64_t LoadUpTo8(const char* p, size_t n) {
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

// Whether `w` has an ASCII digit, eight bytes at a time. Short tails are
// read as two overlapping loads (a byte seen twice does not matter to "any"),
// zero bytes are not digits.
inline bool HasAsciiDigit(absl::string_view w) {
  const char* p = w.data();
  size_t n = w.size();
  if (n >= 8) {
    for (; n > 8; p += 8, n -= 8) {
      if (AnyDigitByte(LoadUpTo8(p, 8))) return true;
    }
    return AnyDigitByte(LoadUpTo8(p + n - 8, 8));
  }
  if (n >= 4) return AnyDigitByte(LoadUpTo8(p, 4) | (LoadUpTo8(p + n - 4, 4) << 32));
  if (n >= 2) return AnyDigitByte(LoadUpTo8(p, 2) | (LoadUpTo8(p + n - 2, 2) << 16));
  return n == 1 && AnyDigitByte(LoadUpTo8(p, 1));
}

// True when the word-like token `t` of `doc` is a stop word for summaries
// and keywords: the text core flagged it (kTokStop), it has fewer than two
// characters, or it is Arabic and a stop word once one clitic prefix
// (وال بال كال فال لل ال و ف ب ل ك) is taken off ("فهو", "بأن").
bool IsStopWord(const text::AnalyzedText& doc, const text::Token& t);

// The content-stem key of `t` (its Token::stem_hash), or 0 when `t` is not a
// content word: a word or hashtag that is not a stop word. Numbers, URLs,
// punctuation are not content words.
inline uint64_t ContentStem(const text::AnalyzedText& doc, const text::Token& t) {
  if (t.kind == text::TokenKind::kWord) return IsStopWord(doc, t) ? 0 : t.stem_hash;
  if (t.kind == text::TokenKind::kHashtag) return t.norm_hash;
  return 0;
}

// A keyword candidate word. A hashtag gives one per part (#هاني_شاكر: two,
// joined into a phrase).
struct KeywordToken {
  uint64_t key;    // stem-level key: equal for clitic and case variants
  uint32_t begin;  // surface: [begin, end) bytes of the analysed text
  uint32_t end;
  uint32_t sentence;  // index of its sentence in the analysed text
  uint8_t drop;       // Arabic: leading letters (clitics) to drop for display
  uint8_t flags;      // KeywordTokenFlag bits
};

enum KeywordTokenFlag : uint8_t {
  kKwJoin = 1,         // continues the run of the previous KeywordToken
  kKwAddAl = 2,        // display as "ال" + the rest (لل + X -> الX)
  kKwUpper = 4,        // starts with an upper-case letter
  kKwLy = 8,           // English word ending in "ly" (adverbs make poor keywords)
  kKwPossessive = 16,  // English 's / ’s: dropped for display
};

// A memo of the keyword keys of Arabic words, for KeywordTokens: for a word
// token flagged Arabic (not Latin, not a stop word) whether it is a
// candidate and its key depend only on its normalised form, that form's
// hash and the lexicon, and news repeats its words. Direct-mapped; an entry
// keeps the whole form and hash and is used only when both are equal. Reset
// when used with another lexicon. One per thread: not thread-safe.
class WordKeyCache {
 public:
  static constexpr size_t kMaxForm = 30;  // longer forms (bytes) are not kept
  // One cache line each (alignas): Prefetch brings the whole entry.
  struct alignas(64) Entry {
    uint64_t hash;
    uint64_t key;
    uint8_t state;  // 0: empty; else kReject, kStemHash or kArabicKey
    uint8_t len;
    uint8_t drop;
    uint8_t flags;
    char form[kMaxForm];
  };
  enum : uint8_t { kReject = 1, kStemHash = 2, kArabicKey = 3 };

  // The entry for `form` (its hash `hash`): equal to it when e->state != 0,
  // e->hash == hash and e->len/e->form match; else the entry to overwrite.
  Entry* Slot(const DfTable* lexicon, uint64_t hash) {
    if (lexicon != lexicon_ || entries_.empty()) {
      entries_.assign(kEntries, Entry{});
      lexicon_ = lexicon;
    }
    return &entries_[(hash ^ (hash >> 29)) & (kEntries - 1)];
  }

  // Hints the CPU to fetch the entry Slot(lexicon, hash) will return (the
  // table is hundreds of KB: a look-up not asked for ahead misses the cache).
  void Prefetch(uint64_t hash) const {
    if (!entries_.empty()) __builtin_prefetch(&entries_[(hash ^ (hash >> 29)) & (kEntries - 1)]);
  }

 private:
  static constexpr size_t kEntries = 32768;
  std::vector<Entry> entries_;
  const DfTable* lexicon_ = nullptr;
};

// Appends the keyword candidate words of `doc` to `*out`, in text order.
// Stop words, numbers, words with digits and words of one character are not
// candidates (except all-capital acronyms such as "US" and a capitalised
// "New"), and break runs, as do punctuation, sentence ends and an English
// possessive ("Iran's | nuclear program"); a single hyphen inside a compound
// ("well-known") does not.
//
// Keys: English and other scripts, the light stem (Token::stem_hash;
// acronyms: the normalised form); Arabic, the light stem of the word after
// its conjunction/preposition clitics are stripped: و ف ب ك before ال,
// لل -> ال, and و ف ب ل before a word the lexicon knows (count >= 5 and at
// least three times that of the whole word). `lexicon` may be null (no
// lexicon-based stripping).
// `cache` (may be null) only saves work: the tokens are the same with it.
void KeywordTokens(const text::AnalyzedText& doc, const DfTable* lexicon,
                   std::vector<KeywordToken>* out, WordKeyCache* cache = nullptr);

// The key of the phrase of `n` consecutive keyword tokens at `t`.
inline uint64_t NgramKey(const KeywordToken* t, int n) {
  uint64_t h = t[0].key;
  for (int j = 1; j < n; ++j) h = HashCombine(h, t[j].key);
  return h;
}

// The longest phrase the keyword table and the extractor consider.
inline constexpr int kMaxNgram = 4;

}  // namespace internal
}  // namespace summarize
}  // namespace qalam

#endif  // QALAM_WORKERS_SUMMARIZE_TERMS_H_
