#include "workers/classify/metrics.h"

namespace qalam {
namespace classify {

ClassificationMetrics ComputeMetrics(const std::vector<uint32_t>& gold,
                                     const std::vector<uint32_t>& pred,
                                     const std::vector<std::string>& names) {
  ClassificationMetrics m;
  std::vector<LabelMetrics> all(names.size());
  for (size_t i = 0; i < names.size(); ++i) all[i].name = names[i];
  m.n = gold.size();
  for (size_t i = 0; i < gold.size(); ++i) {
    ++all[gold[i]].support;
    ++all[pred[i]].predicted;
    if (gold[i] == pred[i]) {
      ++all[gold[i]].correct;
      ++m.correct;
    }
  }
  m.accuracy = m.n > 0 ? static_cast<double>(m.correct) / static_cast<double>(m.n) : 0.0;
  double f1_sum = 0;
  for (LabelMetrics& l : all) {
    if (l.support == 0 && l.predicted == 0) continue;
    l.precision = l.predicted > 0 ? static_cast<double>(l.correct) / l.predicted : 0.0;
    l.recall = l.support > 0 ? static_cast<double>(l.correct) / l.support : 0.0;
    l.f1 = (l.precision + l.recall) > 0
               ? 2 * l.precision * l.recall / (l.precision + l.recall)
               : 0.0;
    f1_sum += l.f1;
    m.labels.push_back(l);
  }
  m.macro_f1 = m.labels.empty() ? 0.0 : f1_sum / static_cast<double>(m.labels.size());
  return m;
}

}  // namespace classify
}  // namespace qalam
