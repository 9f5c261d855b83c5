// Classification metrics: accuracy, per-label precision / recall / F1 and
// their unweighted mean (macro-F1), as scikit-learn computes them
// (f1_score(average='macro') over the labels that occur in the gold labels
// or the predictions; an undefined precision or recall counts as 0).
//
// Plain values and pure functions: thread-safe.
#ifndef QALAM_WORKERS_CLASSIFY_METRICS_H_
#define QALAM_WORKERS_CLASSIFY_METRICS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace qalam {
namespace classify {

struct LabelMetrics {
  std::string name;
  uint64_t support = 0;    // gold documents with this label
  uint64_t predicted = 0;  // documents predicted with this label
  uint64_t correct = 0;    // both
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};

struct ClassificationMetrics {
  uint64_t n = 0;
  uint64_t correct = 0;
  double accuracy = 0;  // in [0, 1]; 0 when n == 0
  double macro_f1 = 0;  // in [0, 1]
  // Every label that occurs in the gold labels or the predictions, in the
  // order of `names` given to ComputeMetrics.
  std::vector<LabelMetrics> labels;
};

// Metrics of predictions `pred` against gold labels `gold` (label ids into
// `names`). REQUIRES: gold.size() == pred.size(), every id < names.size().
ClassificationMetrics ComputeMetrics(const std::vector<uint32_t>& gold,
                                     const std::vector<uint32_t>& pred,
                                     const std::vector<std::string>& names);

}  // namespace classify
}  // namespace qalam

#endif  // QALAM_WORKERS_CLASSIFY_METRICS_H_
