// Linear SVM solvers for the topic trainer, on sparse rows (one row per
// training document):
//
//   * TrainCrammerSinger: the multi-class SVM of Crammer and Singer, solved
//     in the dual by the sequential method of Keerthi, Sundararajan, Chang,
//     Hsieh and Lin ("A sequential dual method for large scale multi-class
//     linear SVMs", KDD 2008): one sample at a time, all its class variables
//     at once, in closed form, with shrinking.
//   * TrainL2LossSvm: a binary L2-regularised squared-hinge SVM, solved by
//     dual coordinate descent with shrinking (Hsieh, Chang, Lin, Keerthi and
//     Sundararajan, "A dual coordinate descent method for large-scale linear
//     SVM", ICML 2008, Algorithm 3), on rows scaled feature-wise by a vector
//     r (x ⊙ r, for NB-SVM) without materialising the scaled rows.
//
// Both append a constant feature of value 1 to every row, so the bias is a
// weight like the others (and regularised like them: liblinear's -B 1).
// Both visit samples in a random order from a seeded generator: the result
// is a deterministic function of the data, its order and the seed.
//
// Pure functions: thread-safe (no shared state).
#ifndef QALAM_WORKERS_CLASSIFY_SOLVERS_H_
#define QALAM_WORKERS_CLASSIFY_SOLVERS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qalam {
namespace classify {

// Sparse rows in compressed form: row i is col/val[start[i], start[i+1]).
struct SparseRows {
  std::vector<uint64_t> start{0};
  std::vector<uint32_t> col;
  std::vector<float> val;
  uint32_t cols = 0;  // every col < cols

  size_t rows() const { return start.size() - 1; }
};

struct SolverOptions {
  double c = 1.0;        // misclassification cost C
  double eps = 0.01;     // stopping tolerance (see each solver)
  int max_iter = 100;    // passes over the data
  uint64_t seed = 0;     // of the visiting order
};

struct SolverStats {
  int iterations = 0;
  bool converged = false;
};

// A small deterministic generator (splitmix64): the same numbers on every
// platform, unlike std::uniform_int_distribution.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>(((Next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }

 private:
  uint64_t state_;
};

// Crammer-Singer multi-class SVM: minimises
//   1/2 sum_m |w_m|^2 + C sum_i max(0, max_{m != y_i} (1 + w_m.x_i - w_{y_i}.x_i))
// over x_i extended by a bias feature 1. Stops when the largest violation
// of the optimality conditions in a pass over all samples is below
// options.eps, or after options.max_iter passes.
// Returns (x.cols + 1) x k weights, feature-major (w[j * k + m]); row x.cols
// holds the biases. REQUIRES: y.size() == x.rows(), every y < k, k >= 2.
std::vector<double> TrainCrammerSinger(const SparseRows& x, const std::vector<uint32_t>& y,
                                       uint32_t k, const SolverOptions& options,
                                       SolverStats* stats);

// Binary L2-loss SVM on rows x_i ⊙ r (r = *scale; all ones when null):
//   min_w 1/2 |w|^2 + C sum_i max(0, 1 - y_i w.(x_i ⊙ r, 1))^2.
// Stops when the projected gradient's spread in a pass over all samples is
// at most options.eps, or after options.max_iter passes.
// Returns x.cols + 1 values: w ⊙ r (so the model scores x directly), then
// the bias. REQUIRES: y.size() == x.rows(), every y is +1 or -1, scale (if
// given) has x.cols entries.
std::vector<double> TrainL2LossSvm(const SparseRows& x, const std::vector<int8_t>& y,
                                   const std::vector<float>* scale, const SolverOptions& options,
                                   SolverStats* stats);

}  // namespace classify
}  // namespace qalam

#endif  // QALAM_WORKERS_CLASSIFY_SOLVERS_H_
