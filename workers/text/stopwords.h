// Stop words of Arabic and English, in normalised form (normalizer.h).
//
// The lists are qalam's own: function words (prepositions, conjunctions,
// pronouns, particles, auxiliaries), reporting verbs that carry no topic in
// news ("said", "told", "قال", "اوضح"), number words, weekdays and a little
// news filler ("year", "اليوم"), as the summariser and keywords need. They are looked up by the 64-bit hash of the
// normalised word, so the analyzer flags stop words without touching strings.
//
// The table is built once, on first use, and is immutable: thread-safe.
#ifndef QALAM_WORKERS_TEXT_STOPWORDS_H_
#define QALAM_WORKERS_TEXT_STOPWORDS_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace qalam {
namespace text {

namespace internal {
// An open-addressing set of the stop words' hashes behind a 65,536-bit
// filter: most words are not stop words, and the filter rejects them with
// one bit test.
struct StopTable {
  static constexpr int kSlots = 4096;  // power of two, > 4x the words (~650)
  uint64_t filter[1024];
  uint64_t slots[kSlots];  // 0 = empty
  StopTable();
};
extern const StopTable kStopTable;
}  // namespace internal

// True when Hash64(normalised word) is the hash of a stop word.
inline bool IsStopWordHash(uint64_t h) {
  const internal::StopTable& t = internal::kStopTable;
  const uint32_t bit = static_cast<uint32_t>(h >> 48);
  if (!((t.filter[bit >> 6] >> (bit & 63)) & 1)) return false;
  for (uint32_t i = static_cast<uint32_t>(h);; ++i) {
    uint64_t v = t.slots[i & (internal::StopTable::kSlots - 1)];
    if (v == h) return true;
    if (v == 0) return false;
  }
}

// Convenience for tests and tools. REQUIRES: `norm` is normalised.
bool IsStopWord(absl::string_view norm);

}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_STOPWORDS_H_
