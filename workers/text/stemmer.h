// Light stemmers for Arabic and English.
//
// Both strip affixes only, so a stem is always a substring of the normalised
// word and needs no storage of its own: StemSpan says which part. They
// serve classification, keywords and summary similarity (where their quality
// is judged), not linguistics.
//
// Arabic (Light10-style, on normalised text: أإآ already ا, ى already ي):
//   1. a leading و is removed when at least 3 letters remain;
//   2. the longest of وال بال كال فال لل ال is removed when at least
//      2 letters remain (so ف ب ك ل are stripped only before the article,
//      where they are unambiguous: stripping a lone ب from بيت would be wrong);
//   3. then each suffix of ها ان ات ون ين يه ية ه ة ي, in that order, is
//      removed once when at least 2 letters remain.
// English (truncation only): possessive 's, then plural/verbal suffixes
//   -sses -ies -s -ing -ed -ly with a minimum stem length, undoubling a final
//   double consonant left by -ing/-ed (running -> run).
//
// Pure functions: thread-safe.
#ifndef QALAM_WORKERS_TEXT_STEMMER_H_
#define QALAM_WORKERS_TEXT_STEMMER_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace qalam {
namespace text {

// The stem of a word as [skip, skip + len) of the normalised word.
struct StemSpan {
  uint32_t skip;
  uint32_t len;
};

// REQUIRES: `norm` is a normalised word (Normalizer), valid UTF-8.
// Words with characters outside the Arabic letters are returned whole.
StemSpan StemArabic(absl::string_view norm);

// Like StemArabic, for a word already known to consist of normalised Arabic
// letters only (two UTF-8 bytes each, U+0620-U+06FF): the analyser knows
// this from its scan and skips the check.
StemSpan StemArabicLetters(absl::string_view norm);

// REQUIRES: `norm` is a normalised (lower-case) word. Words with non-ASCII
// letters are returned whole.
StemSpan StemEnglish(absl::string_view norm);

// Like StemEnglish, for a word known to consist of a-z and ' only.
StemSpan StemEnglishLetters(absl::string_view norm);

}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_STEMMER_H_
