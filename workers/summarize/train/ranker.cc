#include "workers/summarize/train/ranker.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"

namespace qalam {
namespace summarize {
namespace {

// SplitMix64: a fully specified generator, so training gives the same
// weights on every platform and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0 (rejection sampling: no modulo bias).
  uint64_t Below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do {
      v = Next();
    } while (v >= limit);
    return v % n;
  }

 private:
  uint64_t s_;
};

double LogLoss(double margin) {  // log(1 + exp(-margin)), stable
  return margin > 0 ? std::log1p(std::exp(-margin)) : -margin + std::log1p(std::exp(margin));
}

double Sigmoid(double v) {
  return v >= 0 ? 1.0 / (1.0 + std::exp(-v)) : std::exp(v) / (1.0 + std::exp(v));
}

// Solves A x = b for symmetric positive definite A (Cholesky, in place).
bool CholeskySolve(std::vector<double> a, std::vector<double> b, int d, std::vector<double>* x) {
  for (int j = 0; j < d; ++j) {
    double s = a[j * d + j];
    for (int k = 0; k < j; ++k) s -= a[j * d + k] * a[j * d + k];
    if (s <= 0) return false;
    const double l = std::sqrt(s);
    a[j * d + j] = l;
    for (int i = j + 1; i < d; ++i) {
      double t = a[i * d + j];
      for (int k = 0; k < j; ++k) t -= a[i * d + k] * a[j * d + k];
      a[i * d + j] = t / l;
    }
  }
  for (int i = 0; i < d; ++i) {  // L y = b
    double t = b[i];
    for (int k = 0; k < i; ++k) t -= a[i * d + k] * b[k];
    b[i] = t / a[i * d + i];
  }
  for (int i = d - 1; i >= 0; --i) {  // L^T x = y
    double t = b[i];
    for (int k = i + 1; k < d; ++k) t -= a[k * d + i] * b[k];
    b[i] = t / a[i * d + i];
  }
  *x = std::move(b);
  return true;
}

}  // namespace

absl::StatusOr<std::vector<double>> FitPairwiseRanker(const std::vector<RankingDoc>& docs,
                                                      int num_features,
                                                      const RankerOptions& options) {
  const int d = num_features;
  Rng rng(options.seed);
  std::vector<double> z;       // pairs x d
  std::vector<double> y;       // +1 / -1
  std::vector<double> weight;  // per pair
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  for (const RankingDoc& doc : docs) {
    if (doc.x.size() != static_cast<size_t>(doc.n) * d || doc.positive.size() != doc.n) {
      return absl::InvalidArgumentError("ranking document rows do not match the features");
    }
    if (doc.n < 2) continue;
    pairs.clear();
    uint32_t npos = 0;
    for (uint32_t p = 0; p < doc.n; ++p) {
      if (!doc.positive[p]) continue;
      ++npos;
      for (uint32_t q = 0; q < doc.n; ++q) {
        if (!doc.positive[q]) pairs.emplace_back(p, q);
      }
    }
    const size_t cap = static_cast<size_t>(options.max_pairs_per_positive) * std::max(npos, 1u);
    if (pairs.size() > cap) {  // a seeded partial Fisher-Yates shuffle
      for (size_t i = 0; i < cap; ++i) {
        std::swap(pairs[i], pairs[i + rng.Below(pairs.size() - i)]);
      }
      pairs.resize(cap);
    }
    if (pairs.empty()) continue;
    const double wd = 1.0 / pairs.size();
    for (const auto& [p, q] : pairs) {
      const bool flip = rng.Next() & 1;
      const double* xp = &doc.x[static_cast<size_t>(p) * d];
      const double* xq = &doc.x[static_cast<size_t>(q) * d];
      for (int f = 0; f < d; ++f) z.push_back(flip ? xq[f] - xp[f] : xp[f] - xq[f]);
      y.push_back(flip ? -1.0 : 1.0);
      weight.push_back(wd);
    }
  }
  const size_t m = y.size();
  if (m == 0) return absl::InvalidArgumentError("no training pairs");
  // Sample weights with mean 1.
  double wsum = 0;
  for (double w : weight) wsum += w;
  for (double& w : weight) w *= static_cast<double>(m) / wsum;
  // Column scaling by the (population) standard deviation.
  std::vector<double> mean(d, 0.0), sd(d, 0.0);
  for (size_t i = 0; i < m; ++i) {
    for (int f = 0; f < d; ++f) mean[f] += z[i * d + f];
  }
  for (int f = 0; f < d; ++f) mean[f] /= m;
  for (size_t i = 0; i < m; ++i) {
    for (int f = 0; f < d; ++f) {
      const double t = z[i * d + f] - mean[f];
      sd[f] += t * t;
    }
  }
  for (int f = 0; f < d; ++f) {
    sd[f] = std::sqrt(sd[f] / m);
    if (sd[f] == 0) sd[f] = 1;
  }
  for (size_t i = 0; i < m; ++i) {
    for (int f = 0; f < d; ++f) z[i * d + f] /= sd[f];
  }
  const double c = options.c;
  std::vector<double> w(d, 0.0), g(d), h(static_cast<size_t>(d) * d), step;
  auto objective = [&](const std::vector<double>& v) {
    double o = 0;
    for (int f = 0; f < d; ++f) o += 0.5 * v[f] * v[f];
    for (size_t i = 0; i < m; ++i) {
      double s = 0;
      for (int f = 0; f < d; ++f) s += v[f] * z[i * d + f];
      o += c * weight[i] * LogLoss(y[i] * s);
    }
    return o;
  };
  double obj = objective(w);
  for (int it = 0; it < options.max_iterations; ++it) {
    for (int f = 0; f < d; ++f) g[f] = w[f];
    std::fill(h.begin(), h.end(), 0.0);
    for (int f = 0; f < d; ++f) h[f * d + f] = 1.0;
    for (size_t i = 0; i < m; ++i) {
      const double* zi = &z[i * d];
      double s = 0;
      for (int f = 0; f < d; ++f) s += w[f] * zi[f];
      const double p = Sigmoid(y[i] * s);
      const double gi = c * weight[i] * (p - 1.0) * y[i];
      const double hi = c * weight[i] * p * (1.0 - p);
      for (int f = 0; f < d; ++f) {
        g[f] += gi * zi[f];
        const double hz = hi * zi[f];
        for (int e = 0; e <= f; ++e) h[f * d + e] += hz * zi[e];
      }
    }
    for (int f = 0; f < d; ++f) {
      for (int e = 0; e < f; ++e) h[e * d + f] = h[f * d + e];
    }
    if (!CholeskySolve(h, g, d, &step)) {
      return absl::InternalError("the ranker's Hessian is not positive definite");
    }
    // Newton step with backtracking.
    double t = 1.0;
    std::vector<double> next(d);
    double next_obj = obj;
    for (int ls = 0; ls < 30; ++ls) {
      for (int f = 0; f < d; ++f) next[f] = w[f] - t * step[f];
      next_obj = objective(next);
      if (next_obj <= obj) break;
      t *= 0.5;
    }
    if (next_obj > obj) break;
    const double decrease = obj - next_obj;
    w = next;
    obj = next_obj;
    if (decrease <= options.tolerance * std::max(1.0, std::fabs(obj))) break;
  }
  for (int f = 0; f < d; ++f) w[f] /= sd[f];
  return w;
}

}  // namespace summarize
}  // namespace qalam
