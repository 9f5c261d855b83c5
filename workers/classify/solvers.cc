#include "workers/classify/solvers.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>

namespace qalam {
namespace classify {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Shuffles index[0, n) (Fisher-Yates, front to back).
void Shuffle(std::vector<uint32_t>* index, uint32_t n, SplitMix64* rng) {
  for (uint32_t i = 0; i + 1 < n; ++i) {
    const uint32_t j = i + rng->Below(n - i);
    std::swap((*index)[i], (*index)[j]);
  }
}

}  // namespace

std::vector<double> TrainCrammerSinger(const SparseRows& x, const std::vector<uint32_t>& y,
                                       uint32_t k, const SolverOptions& options,
                                       SolverStats* stats) {
  const uint32_t l = static_cast<uint32_t>(x.rows());
  const uint32_t bias = x.cols;  // index of the constant feature
  const double c = options.c;
  std::vector<double> w(static_cast<size_t>(x.cols + 1) * k, 0.0);
  std::vector<double> alpha(static_cast<size_t>(l) * k, 0.0);
  // Per sample: its class variables in a permutation whose first
  // active[i] entries are still active (not shrunk), and where its own
  // class sits in that permutation.
  std::vector<uint32_t> order(static_cast<size_t>(l) * k);
  std::vector<uint32_t> active(l, k);
  std::vector<uint32_t> y_pos(l);
  std::vector<double> qd(l);
  std::vector<uint32_t> index(l);
  for (uint32_t i = 0; i < l; ++i) {
    for (uint32_t m = 0; m < k; ++m) order[static_cast<size_t>(i) * k + m] = m;
    double q = 1.0;  // the bias feature
    for (uint64_t p = x.start[i]; p < x.start[i + 1]; ++p) q += double{x.val[p]} * x.val[p];
    qd[i] = q;
    y_pos[i] = y[i];
    index[i] = i;
  }
  std::vector<double> g(k), b(k), d(k), alpha_new(k), d_val(k);
  std::vector<uint32_t> d_ind(k);
  SplitMix64 rng(options.seed);
  uint32_t active_size = l;
  double eps_shrink = std::max(10.0 * options.eps, 1.0);
  bool start_from_all = true;
  int iter = 0;
  bool converged = false;

  while (iter < options.max_iter) {
    double stopping = -kInf;
    Shuffle(&index, active_size, &rng);
    for (uint32_t s = 0; s < active_size; ++s) {
      const uint32_t i = index[s];
      const double a_i = qd[i];
      double* al = &alpha[static_cast<size_t>(i) * k];
      uint32_t* ord = &order[static_cast<size_t>(i) * k];
      uint32_t na = active[i];
      uint32_t yp = y_pos[i];
      const uint64_t p0 = x.start[i], p1 = x.start[i + 1];

      // Gradient of the dual in the active class variables:
      // G_m = w_m.x_i + [m != y_i].
      for (uint32_t m = 0; m < na; ++m) g[m] = 1.0;
      if (yp < na) g[yp] = 0.0;
      for (uint64_t p = p0; p < p1; ++p) {
        const double* wj = &w[static_cast<size_t>(x.col[p]) * k];
        const double v = x.val[p];
        for (uint32_t m = 0; m < na; ++m) g[m] += wj[ord[m]] * v;
      }
      {
        const double* wj = &w[static_cast<size_t>(bias) * k];
        for (uint32_t m = 0; m < na; ++m) g[m] += wj[ord[m]];
      }
      double min_g = kInf, max_g = -kInf;
      for (uint32_t m = 0; m < na; ++m) {
        if (al[ord[m]] < 0 && g[m] < min_g) min_g = g[m];
        if (g[m] > max_g) max_g = g[m];
      }
      if (yp < na && al[y[i]] < c && g[yp] < min_g) min_g = g[yp];

      // Shrinking: a variable at its bound whose gradient is below every
      // free one's will stay there; move it out of the active prefix.
      auto at_bound_below = [&](uint32_t m) {
        const double bound = (m == yp) ? c : 0.0;
        return al[ord[m]] == bound && g[m] < min_g;
      };
      for (uint32_t m = 0; m < na; ++m) {
        if (!at_bound_below(m)) continue;
        --na;
        while (na > m) {
          if (!at_bound_below(na)) {
            std::swap(ord[m], ord[na]);
            std::swap(g[m], g[na]);
            if (yp == na) {
              yp = m;
            } else if (yp == m) {
              yp = na;
            }
            break;
          }
          --na;
        }
      }
      active[i] = na;
      y_pos[i] = yp;
      if (na <= 1) {
        --active_size;
        std::swap(index[s], index[active_size]);
        --s;  // wraps at 0; the loop's ++s brings it back
        continue;
      }
      if (max_g - min_g <= 1e-12) continue;
      stopping = std::max(stopping, max_g - min_g);

      // The sub-problem: min sum_m (A/2 a_m^2 + B_m a_m) subject to
      // a_m <= C [m == y_i] and sum_m a_m = 0 (shrunk variables fixed).
      // Its solution is a_m = min(bound_m, (beta - B_m) / A) for the beta
      // found by scanning the sorted D below.
      for (uint32_t m = 0; m < na; ++m) b[m] = g[m] - a_i * al[ord[m]];
      for (uint32_t m = 0; m < na; ++m) d[m] = b[m];
      if (yp < na) d[yp] += a_i * c;
      std::sort(d.begin(), d.begin() + na, std::greater<double>());
      double beta = d[0] - a_i * c;
      uint32_t r = 1;
      for (; r < na && beta < r * d[r]; ++r) beta += d[r];
      beta /= r;
      uint32_t nz = 0;
      for (uint32_t m = 0; m < na; ++m) {
        const double bound = (m == yp) ? c : 0.0;
        const double a_new = std::min(bound, (beta - b[m]) / a_i);
        const double delta = a_new - al[ord[m]];
        al[ord[m]] = a_new;
        if (std::fabs(delta) >= 1e-12) {
          d_ind[nz] = ord[m];
          d_val[nz] = delta;
          ++nz;
        }
      }
      for (uint64_t p = p0; p < p1; ++p) {
        double* wj = &w[static_cast<size_t>(x.col[p]) * k];
        const double v = x.val[p];
        for (uint32_t m = 0; m < nz; ++m) wj[d_ind[m]] += d_val[m] * v;
      }
      double* wb = &w[static_cast<size_t>(bias) * k];
      for (uint32_t m = 0; m < nz; ++m) wb[d_ind[m]] += d_val[m];
    }
    ++iter;
    if (stopping < eps_shrink) {
      if (stopping < options.eps && start_from_all) {
        converged = true;
        break;
      }
      // Converged on the active set: check everything again, tighter.
      active_size = l;
      std::fill(active.begin(), active.end(), k);
      eps_shrink = std::max(eps_shrink / 2, options.eps);
      start_from_all = true;
    } else {
      start_from_all = false;
    }
  }
  if (stats != nullptr) {
    stats->iterations = iter;
    stats->converged = converged;
  }
  return w;
}

std::vector<double> TrainL2LossSvm(const SparseRows& x, const std::vector<int8_t>& y,
                                   const std::vector<float>* scale, const SolverOptions& options,
                                   SolverStats* stats) {
  const uint32_t l = static_cast<uint32_t>(x.rows());
  const uint32_t n = x.cols;
  // u = w ⊙ r: the dot product w.(x ⊙ r) is u.x, and the update
  // w += d (x ⊙ r) is u += d (r ⊙ r ⊙ x).
  std::vector<double> u(static_cast<size_t>(n) + 1, 0.0);
  std::vector<double> r2(n, 1.0);
  if (scale != nullptr) {
    for (uint32_t j = 0; j < n; ++j) r2[j] = double{(*scale)[j]} * (*scale)[j];
  }
  const double diag = 0.5 / options.c;  // the L2 loss as a diagonal term of the dual
  std::vector<double> qd(l);
  std::vector<double> alpha(l, 0.0);
  std::vector<uint32_t> index(l);
  for (uint32_t i = 0; i < l; ++i) {
    double q = diag + 1.0;  // + the bias feature
    for (uint64_t p = x.start[i]; p < x.start[i + 1]; ++p) {
      q += r2[x.col[p]] * x.val[p] * x.val[p];
    }
    qd[i] = q;
    index[i] = i;
  }
  SplitMix64 rng(options.seed);
  uint32_t active_size = l;
  double pg_max_old = kInf, pg_min_old = -kInf;
  int iter = 0;
  bool converged = false;
  double& wb = u[n];
  while (iter < options.max_iter) {
    double pg_max_new = -kInf, pg_min_new = kInf;
    Shuffle(&index, active_size, &rng);
    for (uint32_t s = 0; s < active_size; ++s) {
      const uint32_t i = index[s];
      const double yi = y[i];
      const uint64_t p0 = x.start[i], p1 = x.start[i + 1];
      double dot = wb;
      for (uint64_t p = p0; p < p1; ++p) dot += u[x.col[p]] * x.val[p];
      const double grad = yi * dot - 1.0 + alpha[i] * diag;
      double pg = 0;
      if (alpha[i] == 0) {
        if (grad > pg_max_old) {
          // Shrink: at the bound and likely to stay there.
          --active_size;
          std::swap(index[s], index[active_size]);
          --s;  // wraps at 0; the loop's ++s brings it back
          continue;
        }
        if (grad < 0) pg = grad;
      } else {
        pg = grad;  // no upper bound for the L2 loss
      }
      pg_max_new = std::max(pg_max_new, pg);
      pg_min_new = std::min(pg_min_new, pg);
      if (std::fabs(pg) > 1e-12) {
        const double old = alpha[i];
        alpha[i] = std::max(alpha[i] - grad / qd[i], 0.0);
        const double dd = (alpha[i] - old) * yi;
        for (uint64_t p = p0; p < p1; ++p) u[x.col[p]] += dd * r2[x.col[p]] * x.val[p];
        wb += dd;
      }
    }
    ++iter;
    if (pg_max_new - pg_min_new <= options.eps) {
      if (active_size == l) {
        converged = true;
        break;
      }
      active_size = l;  // converged on the active set: check everything
      pg_max_old = kInf;
      pg_min_old = -kInf;
      continue;
    }
    pg_max_old = pg_max_new;
    pg_min_old = pg_min_new;
    if (pg_max_old <= 0) pg_max_old = kInf;
    if (pg_min_old >= 0) pg_min_old = -kInf;
  }
  if (stats != nullptr) {
    stats->iterations = iter;
    stats->converged = converged;
  }
  return u;
}

}  // namespace classify
}  // namespace qalam
