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
// A cuckoo hash set of the stop words' hashes: each hash is in one of two
// slots, chosen by its low and its high 32 bits, so a lookup is two loads
// and two compares, without a branch. (About half of all English tokens are
// stop words: a lookup that branched on a filter bit, as this one did,
// mispredicted often.)
struct StopTable {
  static constexpr int kSlots = 2048;  // power of two, > 3x the words (645): 16 KiB
  uint64_t slots[kSlots];              // empty: a value no lookup matches
  StopTable();
  static uint32_t Slot1(uint64_t h) { return static_cast<uint32_t>(h) & (kSlots - 1); }
  static uint32_t Slot2(uint64_t h) { return static_cast<uint32_t>(h >> 32) & (kSlots - 1); }
};
extern const StopTable kStopTable;
}  // namespace internal

// True when Hash64(normalised word) is the hash of a stop word.
inline bool IsStopWordHash(uint64_t h) {
  const internal::StopTable& t = internal::kStopTable;
  const uint64_t a = t.slots[internal::StopTable::Slot1(h)];
  const uint64_t b = t.slots[internal::StopTable::Slot2(h)];
  return (a == h) | (b == h);
}

// Convenience for tests and tools. REQUIRES: `norm` is normalised.
bool IsStopWord(absl::string_view norm);

}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_STOPWORDS_H_
