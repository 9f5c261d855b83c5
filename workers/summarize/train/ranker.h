// A pairwise linear ranker (RankNet-style logistic regression on feature
// differences), trained deterministically: the summariser's sentence scorer.
//
// For each document, pairs (positive sentence, other sentence) are formed,
// at most max_pairs_per_positive x #positives of them (sampled with a fixed
// seed); each document weighs 1 in total, spread over its pairs. Each pair
// becomes the difference x_pos - x_neg with label 1, or (with probability
// 1/2) x_neg - x_pos with label 0; columns are divided by the standard
// deviation of the differences. The model minimises
//   0.5 |w|^2 + C * sum_i s_i log(1 + exp(-y_i w.z_i))
// (scikit-learn's LogisticRegression(C, fit_intercept=False) with sample
// weights s normalised to mean 1) by Newton's method, and the weights are
// returned in raw feature units (divided back by the deviations). There is
// no bias: only the order of sentences within a document matters.
//
// Pure function of its inputs: thread-safe, deterministic for a seed.
#ifndef QALAM_WORKERS_SUMMARIZE_TRAIN_RANKER_H_
#define QALAM_WORKERS_SUMMARIZE_TRAIN_RANKER_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace qalam {
namespace summarize {

struct RankingDoc {
  uint32_t n = 0;                 // sentences
  std::vector<double> x;          // n x num_features, row-major
  std::vector<uint8_t> positive;  // n labels (the oracle's choice)
};

struct RankerOptions {
  double c = 0.1;
  int max_pairs_per_positive = 20;
  uint64_t seed = 0;
  int max_iterations = 100;
  double tolerance = 1e-10;  // on the relative decrease of the objective
};

// Fits the ranker. InvalidArgument when no document has both a positive and
// a negative sentence, or rows do not match num_features.
absl::StatusOr<std::vector<double>> FitPairwiseRanker(const std::vector<RankingDoc>& docs,
                                                      int num_features,
                                                      const RankerOptions& options);

}  // namespace summarize
}  // namespace qalam

#endif  // QALAM_WORKERS_SUMMARIZE_TRAIN_RANKER_H_
