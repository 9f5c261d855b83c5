// ROUGE-1/2/L F1 as the project's scorer computes it (/work/shared/eval/
// rouge.py, which follows Google's rouge-score with use_stemmer=False), for
// oracle labels and quick evaluations inside the trainer. Tokenisation:
//   1. full Unicode lower-casing (ICU, root locale: Python's str.lower);
//   2. Arabic: drop U+064B-U+0652, U+0670 and tatweel U+0640; map أ إ آ ٱ to
//      ا, ى to ي, ة to ه;
//   3. tokens are runs of letters and numbers (Python's [^\W_]+: categories
//      L* and N*).
// ROUGE-N: clipped n-gram overlap, F = 2PR / (P + R); ROUGE-L: LCS over the
// whole token sequences (rougeL, not rougeLsum).
//
// Pure functions: thread-safe.
#ifndef QALAM_WORKERS_SUMMARIZE_TRAIN_ROUGE_H_
#define QALAM_WORKERS_SUMMARIZE_TRAIN_ROUGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace qalam {
namespace summarize {

// The tokens of `text` (valid UTF-8), each as the 64-bit hash of its UTF-8.
std::vector<uint64_t> RougeTokens(absl::string_view text);

// The same tokens as strings (for tests).
std::vector<std::string> RougeTokenStrings(absl::string_view text);

struct RougeScores {
  double rouge1 = 0;  // F1, 0..1
  double rouge2 = 0;
  double rougeL = 0;
};

// ROUGE-N F1 of `pred` against `ref` (token hashes).
double RougeN(const std::vector<uint64_t>& ref, const std::vector<uint64_t>& pred, int n);

// ROUGE-L F1 (0 when either side is empty).
double RougeL(const std::vector<uint64_t>& ref, const std::vector<uint64_t>& pred);

RougeScores Rouge(const std::vector<uint64_t>& ref, const std::vector<uint64_t>& pred);

// The greedy oracle of the baselines (BASELINES.md): repeatedly adds the
// sentence that most raises ROUGE-1 F1 + ROUGE-2 F1 of the concatenated
// chosen sentences (in article order) against `ref`, up to `k`, stopping
// when nothing raises it. Returns ascending indices.
std::vector<uint32_t> GreedyOracle(const std::vector<std::vector<uint64_t>>& sentences,
                                   const std::vector<uint64_t>& ref, int k);

}  // namespace summarize
}  // namespace qalam

#endif  // QALAM_WORKERS_SUMMARIZE_TRAIN_ROUGE_H_
