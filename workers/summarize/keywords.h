// Keywords: the N most telling words and phrases of an article, best first,
// as they are written in it.
//
// Candidates are the 1-4-word phrases inside runs of content words (stop
// words, numbers and punctuation end a run). Words that differ only by a
// clitic, the article ال, a light suffix or case share a key (terms.h), so
// "والحكومة", "بالحكومة" and "الحكومة" are one candidate. A candidate scores
//   (1 + ln tf + title bonus) * idf * (1 + 0.5 / (1 + first sentence))
//                            * (1 + 0.25 * (words - 1)),
// idf from the model's phrase table (phrases have their own df, so stock
// phrases score low). Phrases need support (tf >= 2, or in the title);
// fragments that nearly always occur inside a longer phrase are dropped; the
// selection skips candidates already covered, lets a longer phrase replace
// the shorter one it extends when it is about as frequent, and never shows
// two overlapping phrases. Display form: Arabic, the most frequent surface
// form without its conjunction/preposition clitic (ال kept, tatweel
// removed); English, the capitalised form when it is used at least as often
// as the lower-case one.
//
// A KeywordExtractor is immutable after construction and safe for
// concurrent use; each thread passes its own KeywordScratch.
#ifndef QALAM_WORKERS_SUMMARIZE_KEYWORDS_H_
#define QALAM_WORKERS_SUMMARIZE_KEYWORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "workers/summarize/hash_table.h"
#include "workers/summarize/summary_model.h"
#include "workers/summarize/terms.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace summarize {

// Per-thread work memory, reused across articles. Not thread-safe.
struct KeywordScratch {
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Candidate {
    uint64_t key;
    uint32_t pos;    // its first occurrence: index of its first word in `tokens`
    uint32_t tf;     // occurrences in the body
    uint32_t first;  // first body sentence it occurs in (UINT32_MAX: none)
    uint32_t sup;    // highest tf of a one-word-longer candidate around it
    // Its occurrences: a list in `occ`, in text order.
    uint32_t occ_head, occ_tail;
    uint8_t n;  // words
    bool title;
    bool all_ly;
    double score;
  };
  struct Chosen {
    uint32_t cand;
    uint32_t tf;
    bool title;
  };
  // An occurrence of a candidate (a window of its n words at `pos`) and the
  // next one of the same candidate (kNone: the last).
  struct Occurrence {
    uint32_t pos, next;
  };
  struct Scored {
    double score;
    uint32_t cand;
  };
  struct Form {
    uint32_t off, len, count, order;
    bool upper;
  };
  std::vector<internal::KeywordToken> tokens;
  internal::ScratchIndex index;
  std::vector<Candidate> cands;
  std::vector<Occurrence> occ;
  std::vector<uint32_t> ranked;
  std::vector<Scored> scored;
  std::vector<Chosen> chosen;
  std::vector<Form> forms;
  std::string arena;
  internal::WordKeyCache word_keys;
};

class KeywordExtractor {
 public:
  // `model` must outlive the extractor; its phrase table and lexicon are
  // used, and its language decides the display rules.
  explicit KeywordExtractor(const SummaryModel* model) : model_(model) {}

  // Replaces `*out` with up to `n` keywords of the article, best first.
  // `title` may be empty. REQUIRES: both analysed with stems and sentences
  // on; n >= 0.
  void Extract(const text::AnalyzedText& title, const text::AnalyzedText& body, int n,
               KeywordScratch* scratch, std::vector<std::string>* out) const;

 private:
  // Sets `*out` to the display form of candidate `c` (the most frequent
  // surface form of its occurrences).
  void AppendForm(const text::AnalyzedText& title, const text::AnalyzedText& body,
                  size_t title_tokens, const KeywordScratch::Candidate& c, KeywordScratch* s,
                  std::string* out) const;

  const SummaryModel* model_;
};

}  // namespace summarize
}  // namespace qalam

#endif  // QALAM_WORKERS_SUMMARIZE_KEYWORDS_H_
