#include "workers/classify/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "workers/classify/solvers.h"

namespace qalam {
namespace classify {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A linear member: (cols + 1) x k weights, feature-major, row `cols` the
// biases.
using Weights = std::vector<double>;

// Decision values of every row of `x` under `w`: rows x k, row-major.
std::vector<double> Scores(const SparseRows& x, const Weights& w, uint32_t k) {
  std::vector<double> s(x.rows() * k);
  const double* bias = &w[static_cast<size_t>(x.cols) * k];
  for (size_t i = 0; i < x.rows(); ++i) {
    double* si = &s[i * k];
    for (uint32_t m = 0; m < k; ++m) si[m] = bias[m];
    for (uint64_t p = x.start[i]; p < x.start[i + 1]; ++p) {
      const double* wj = &w[static_cast<size_t>(x.col[p]) * k];
      const double v = x.val[p];
      for (uint32_t m = 0; m < k; ++m) si[m] += wj[m] * v;
    }
  }
  return s;
}

// Population standard deviation of all values (1 when it is 0: a member
// that says nothing is left unscaled).
double StdDev(const std::vector<double>& v) {
  if (v.empty()) return 1.0;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  var /= static_cast<double>(v.size());
  const double sd = std::sqrt(var);
  return sd > 0 ? sd : 1.0;
}

uint32_t ArgMaxRow(const double* s, uint32_t k) {
  uint32_t best = 0;
  for (uint32_t m = 1; m < k; ++m) {
    if (s[m] > s[best]) best = m;
  }
  return best;
}

// Mean negative log-likelihood of the gold labels under softmax(s / t),
// over the rows whose gold label is a model label (< k).
double MeanNll(const std::vector<double>& s, const std::vector<uint32_t>& gold, uint32_t k,
               double t) {
  double total = 0;
  size_t n = 0;
  for (size_t i = 0; i < gold.size(); ++i) {
    if (gold[i] >= k) continue;
    const double* si = &s[i * k];
    const double top = si[ArgMaxRow(si, k)];
    double z = 0;
    for (uint32_t m = 0; m < k; ++m) z += std::exp((si[m] - top) / t);
    total += std::log(z) - (si[gold[i]] - top) / t;
    ++n;
  }
  return n > 0 ? total / static_cast<double>(n) : 0.0;
}

// The temperature in [0.01, 100] minimising MeanNll: golden-section search
// on log t (the NLL is unimodal in t for fixed scores in practice).
double FitTemperature(const std::vector<double>& s, const std::vector<uint32_t>& gold,
                      uint32_t k) {
  double lo = std::log(0.01), hi = std::log(100.0);
  const double g = (std::sqrt(5.0) - 1) / 2;
  double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
  double fa = MeanNll(s, gold, k, std::exp(a)), fb = MeanNll(s, gold, k, std::exp(b));
  for (int it = 0; it < 60; ++it) {
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = MeanNll(s, gold, k, std::exp(a));
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = MeanNll(s, gold, k, std::exp(b));
    }
  }
  return std::exp((lo + hi) / 2);
}

// Builds L2-normalised tf-idf rows for documents `docs` of `set`, keeping
// the buckets found in `col_of` (bucket -> column).
SparseRows BuildRows(const TrainingSet& set, const std::vector<uint32_t>& docs,
                     const absl::flat_hash_map<uint32_t, uint32_t>& col_of,
                     const std::vector<double>& idf, uint32_t cols) {
  SparseRows x;
  x.cols = cols;
  x.start.reserve(docs.size() + 1);
  std::vector<std::pair<uint32_t, double>> row;
  for (uint32_t d : docs) {
    row.clear();
    double norm2 = 0;
    for (size_t p = set.begin(d); p < set.end(d); ++p) {
      auto it = col_of.find(set.buckets()[p]);
      if (it == col_of.end()) continue;
      const double v = double{set.tf()[p]} * idf[it->second];
      row.emplace_back(it->second, v);
      norm2 += v * v;
    }
    // Buckets ascend, and so do their columns (assigned in bucket order).
    const double inv = norm2 > 0 ? 1.0 / std::sqrt(norm2) : 0.0;
    for (const auto& [c, v] : row) {
      x.col.push_back(c);
      x.val.push_back(static_cast<float>(v * inv));
    }
    x.start.push_back(x.col.size());
  }
  return x;
}

// The neighbour member of documents x (their fitted order), with labels y:
// for each column, the documents holding it (ascending) and their value,
// each document L2-normalised over the member's columns. Only columns in at
// most `max_df` documents take part. With more than `max_postings` postings
// the member is not built (start stays empty, `wanted` says how many).
struct Neighbours {
  std::vector<uint32_t> start;  // cols + 1; empty when the member is not built
  std::vector<NeighbourPosting> postings;
  std::vector<uint32_t> label;  // per document
  uint64_t buckets = 0;         // columns with postings
  uint64_t wanted = 0;          // postings, built or not
};

Neighbours BuildNeighbours(const SparseRows& x, const std::vector<uint32_t>& y, uint32_t max_df,
                           uint64_t max_postings) {
  Neighbours nn;
  const uint32_t cols = x.cols;
  std::vector<uint32_t> df(cols, 0);
  for (uint32_t c : x.col) ++df[c];
  for (uint32_t c = 0; c < cols; ++c) {
    if (df[c] <= max_df) {
      nn.wanted += df[c];
      ++nn.buckets;
    }
  }
  // The file format counts postings in 32 bits; the cap is far below.
  if (nn.wanted > max_postings || nn.wanted > 0xFFFFFFFFu) return nn;
  nn.start.assign(static_cast<size_t>(cols) + 1, 0);
  for (uint32_t c = 0; c < cols; ++c) {
    nn.start[c + 1] = nn.start[c] + (df[c] <= max_df ? df[c] : 0);
  }
  nn.postings.resize(nn.start[cols]);
  std::vector<uint32_t> fill(nn.start.begin(), nn.start.end() - 1);
  for (size_t i = 0; i < x.rows(); ++i) {
    double norm2 = 0;
    for (uint64_t p = x.start[i]; p < x.start[i + 1]; ++p) {
      if (df[x.col[p]] <= max_df) norm2 += double{x.val[p]} * x.val[p];
    }
    if (norm2 == 0) continue;
    const double inv = 1.0 / std::sqrt(norm2);
    for (uint64_t p = x.start[i]; p < x.start[i + 1]; ++p) {
      if (df[x.col[p]] > max_df) continue;
      nn.postings[fill[x.col[p]]++] = NeighbourPosting{
          static_cast<uint32_t>(i), std::min(1.0f, static_cast<float>(x.val[p] * inv))};
    }
  }
  nn.label = y;
  return nn;
}

// The member's values for every row of `q` (rows x k): per label the
// squared cosine of the nearest document, over the member's columns. With
// `leave_one_out`, row i is document i and does not count as its own
// neighbour. NeighbourDots does the sums, as in TopicModel (equal up to
// float rounding: the model's values are unnormalised tf-idf in feature
// order, these the normalised rows in column order).
std::vector<double> NeighbourScores(const Neighbours& nn, const SparseRows& q, uint32_t k,
                                    bool leave_one_out) {
  std::vector<double> out(q.rows() * k, 0.0);
  std::vector<float> dot(nn.label.size(), 0.0f);
  std::vector<uint32_t> touched;
  std::vector<float> best(k);
  for (size_t i = 0; i < q.rows(); ++i) {
    const uint64_t b = q.start[i];
    const double norm2 = NeighbourDots(
        nn.start.data(), nn.postings.data(), nn.label.data(), q.col.data() + b, q.val.data() + b,
        q.start[i + 1] - b, leave_one_out ? static_cast<uint32_t>(i) : kNoNeighbourDoc, &dot,
        &touched, best.data(), k);
    if (norm2 == 0) continue;
    for (uint32_t m = 0; m < k; ++m) out[i * k + m] = double{best[m]} * best[m] / norm2;
  }
  return out;
}

// One training run of the three members on documents `docs` (label ids
// `y` < k) of `set`: the kept buckets and their idf, and each member's
// weights and in-sample scale.
struct Fitted {
  std::vector<uint32_t> kept;  // ascending buckets; column j is kept[j]
  std::vector<double> idf;
  absl::flat_hash_map<uint32_t, uint32_t> col_of;
  uint64_t buckets_seen = 0;
  Weights w_cs, w_nb, w_cen;
  double s_cs = 1, s_nb = 1, s_cen = 1;
  Neighbours nn;  // built only when asked for
  double s_nn = 1;
};

// The member scores of documents `docs` of `set` under `f`.
struct MemberScores {
  std::vector<double> cs, nb, cen;
  std::vector<double> nn;  // empty without a neighbour member
  // The decision values for centroid weight `cw` and neighbour weight `nw`.
  std::vector<double> Fold(const Fitted& f, double cw, double nw) const {
    std::vector<double> s(cs.size());
    for (size_t i = 0; i < s.size(); ++i) {
      s[i] = cs[i] / f.s_cs + nb[i] / f.s_nb + cw * cen[i] / f.s_cen;
      if (nw > 0 && !nn.empty()) s[i] += nw * nn[i] / f.s_nn;
    }
    return s;
  }
};

MemberScores ScoreDocs(const Fitted& f, const TrainingSet& set, const std::vector<uint32_t>& docs,
                       uint32_t k) {
  const SparseRows x =
      BuildRows(set, docs, f.col_of, f.idf, static_cast<uint32_t>(f.kept.size()));
  MemberScores ms{Scores(x, f.w_cs, k), Scores(x, f.w_nb, k), Scores(x, f.w_cen, k), {}};
  if (!f.nn.start.empty()) ms.nn = NeighbourScores(f.nn, x, k, /*leave_one_out=*/false);
  return ms;
}

// Fits the members on documents `docs` (labels `y`); the neighbour member
// too when `neighbours`.
absl::Status Fit(const TrainingSet& set, const std::vector<uint32_t>& docs,
                 const std::vector<uint32_t>& y, uint32_t k, const TrainOptions& options,
                 bool neighbours, TrainReport* rep, Fitted* f) {
  const size_t n_docs = docs.size();
  // Document frequencies, kept buckets, idf.
  auto t0 = std::chrono::steady_clock::now();
  std::vector<uint32_t> all;
  for (uint32_t d : docs) {
    all.insert(all.end(), set.buckets().begin() + set.begin(d),
               set.buckets().begin() + set.end(d));
  }
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j] == all[i]) ++j;
    ++f->buckets_seen;
    const size_t df = j - i;
    if (df >= options.min_df) {
      f->col_of[all[i]] = static_cast<uint32_t>(f->kept.size());
      f->kept.push_back(all[i]);
      f->idf.push_back(std::log((1.0 + n_docs) / (1.0 + df)) + 1.0);
    }
    i = j;
  }
  all.clear();
  all.shrink_to_fit();
  if (f->kept.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no feature occurs in ", options.min_df, " or more training documents: too little text"));
  }
  const uint32_t cols = static_cast<uint32_t>(f->kept.size());
  const SparseRows x = BuildRows(set, docs, f->col_of, f->idf, cols);
  rep->seconds_vectors += SecondsSince(t0);

  // Member 1: Crammer-Singer.
  t0 = std::chrono::steady_clock::now();
  SolverOptions cs_opts;
  cs_opts.c = options.c;
  cs_opts.eps = options.cs_eps;
  cs_opts.max_iter = options.cs_max_iter;
  cs_opts.seed = options.seed;
  SolverStats cs_stats;
  f->w_cs = TrainCrammerSinger(x, y, k, cs_opts, &cs_stats);
  rep->cs_iterations = cs_stats.iterations;
  rep->cs_converged = cs_stats.converged;
  rep->seconds_cs += SecondsSince(t0);

  // Member 2: one-vs-rest NB-SVM.
  t0 = std::chrono::steady_clock::now();
  f->w_nb.assign(static_cast<size_t>(cols + 1) * k, 0.0);
  {
    // present[m * cols + j]: label-m documents containing bucket j.
    std::vector<uint32_t> present(static_cast<size_t>(k) * cols, 0);
    std::vector<uint32_t> total(cols, 0);
    for (size_t i = 0; i < n_docs; ++i) {
      for (uint64_t p = x.start[i]; p < x.start[i + 1]; ++p) {
        if (x.val[p] > 0) {
          ++present[static_cast<size_t>(y[i]) * cols + x.col[p]];
          ++total[x.col[p]];
        }
      }
    }
    SolverOptions nb_opts;
    nb_opts.c = options.c;
    nb_opts.eps = options.nb_eps;
    nb_opts.max_iter = options.nb_max_iter;
    nb_opts.seed = options.seed;
    std::vector<float> r(cols);
    std::vector<int8_t> yk(n_docs);
    rep->nb_max_iterations = 0;
    rep->nb_converged = true;
    for (uint32_t m = 0; m < k; ++m) {
      for (uint32_t j = 0; j < cols; ++j) {
        const double pk = present[static_cast<size_t>(m) * cols + j];
        const double qk = total[j] - pk;
        r[j] = static_cast<float>(std::log((1.0 + pk) / (1.0 + qk)));
      }
      for (size_t i = 0; i < n_docs; ++i) yk[i] = y[i] == m ? 1 : -1;
      SolverStats st;
      const std::vector<double> u = TrainL2LossSvm(x, yk, &r, nb_opts, &st);
      rep->nb_max_iterations = std::max(rep->nb_max_iterations, st.iterations);
      rep->nb_converged = rep->nb_converged && st.converged;
      for (uint32_t j = 0; j <= cols; ++j) f->w_nb[static_cast<size_t>(j) * k + m] = u[j];
    }
  }
  rep->seconds_nb += SecondsSince(t0);

  // Member 3: label centroids, L2-normalised, no bias.
  t0 = std::chrono::steady_clock::now();
  f->w_cen.assign(static_cast<size_t>(cols + 1) * k, 0.0);
  {
    std::vector<uint32_t> per_label(k, 0);
    for (size_t i = 0; i < n_docs; ++i) {
      ++per_label[y[i]];
      for (uint64_t p = x.start[i]; p < x.start[i + 1]; ++p) {
        f->w_cen[static_cast<size_t>(x.col[p]) * k + y[i]] += x.val[p];
      }
    }
    std::vector<double> norm2(k, 0.0);
    for (uint32_t j = 0; j < cols; ++j) {
      for (uint32_t m = 0; m < k; ++m) {
        double& v = f->w_cen[static_cast<size_t>(j) * k + m];
        if (per_label[m] > 0) v /= per_label[m];
        norm2[m] += v * v;
      }
    }
    for (uint32_t j = 0; j < cols; ++j) {
      for (uint32_t m = 0; m < k; ++m) {
        if (norm2[m] > 0) f->w_cen[static_cast<size_t>(j) * k + m] /= std::sqrt(norm2[m]) + 1e-12;
      }
    }
  }
  rep->seconds_centroids += SecondsSince(t0);

  // Scales: the std of each member's in-sample decision values.
  f->s_cs = StdDev(Scores(x, f->w_cs, k));
  f->s_nb = StdDev(Scores(x, f->w_nb, k));
  f->s_cen = StdDev(Scores(x, f->w_cen, k));

  // Member 4: neighbours, scaled by the std of their leave-one-out values.
  if (neighbours) {
    t0 = std::chrono::steady_clock::now();
    f->nn = BuildNeighbours(x, y, options.neighbour_max_df, options.neighbour_max_postings);
    if (!f->nn.start.empty()) {
      f->s_nn = StdDev(NeighbourScores(f->nn, x, k, /*leave_one_out=*/true));
    }
    rep->seconds_neighbours += SecondsSince(t0);
  }
  return absl::OkStatus();
}

std::string FormatDouble(double v) { return absl::StrCat(v); }

}  // namespace

TrainingSet::TrainingSet(FeatureOptions features) : extractor_(features) {}

absl::Status TrainingSet::Add(absl::string_view title, absl::string_view text,
                              absl::string_view label) {
  if (label.empty()) return absl::InvalidArgumentError("empty label");
  QALAM_RETURN_IF_ERROR(analyzer_.Analyze(title, &title_doc_));
  QALAM_RETURN_IF_ERROR(analyzer_.Analyze(text, &body_doc_));
  extractor_.Extract(title_doc_, body_doc_, &scratch_, &doc_);
  std::sort(doc_.begin(), doc_.end(),
            [](const BucketTf& a, const BucketTf& b) { return a.bucket < b.bucket; });
  for (const BucketTf& b : doc_) {
    buckets_.push_back(b.bucket);
    tf_.push_back(b.tf);
  }
  start_.push_back(buckets_.size());
  auto [it, inserted] =
      label_ids_.try_emplace(std::string(label), static_cast<uint32_t>(label_names_.size()));
  if (inserted) label_names_.emplace_back(label);
  labels_.push_back(it->second);
  return absl::OkStatus();
}

std::vector<uint32_t> TrainingSet::LabelCounts() const {
  std::vector<uint32_t> counts(label_names_.size(), 0);
  for (uint32_t l : labels_) ++counts[l];
  return counts;
}

absl::StatusOr<std::unique_ptr<TopicModel>> TrainTopicModel(const TrainingSet& train,
                                                            const TrainingSet* dev,
                                                            const TrainOptions& options,
                                                            TrainReport* report) {
  const auto t_start = std::chrono::steady_clock::now();
  TrainReport local_report;
  TrainReport& rep = report != nullptr ? *report : local_report;
  rep = TrainReport();
  QALAM_RETURN_IF_ERROR(ValidateFeatureOptions(options.features));
  if (train.feature_options().bits != options.features.bits ||
      train.feature_options().families != options.features.families ||
      (dev != nullptr && (dev->feature_options().bits != options.features.bits ||
                          dev->feature_options().families != options.features.families))) {
    return absl::InvalidArgumentError("the training sets were built with other feature options");
  }
  if (!(options.c > 0) || !(options.cs_eps > 0) || !(options.nb_eps > 0) ||
      options.cs_max_iter < 1 || options.nb_max_iter < 1 || options.min_df < 1 ||
      options.min_label_docs < 1 || options.centroid_weights.empty() ||
      !(options.calibration_share >= 0 && options.calibration_share < 1)) {
    return absl::InvalidArgumentError("training options out of range");
  }
  for (double cw : options.centroid_weights) {
    if (!(cw >= 0) || !std::isfinite(cw)) {
      return absl::InvalidArgumentError("centroid weights must be finite and >= 0");
    }
  }
  if (options.neighbour_weights.empty() || options.neighbour_max_df < 1) {
    return absl::InvalidArgumentError("neighbour options out of range");
  }
  for (double nw : options.neighbour_weights) {
    if (!(nw >= 0) || !(nw <= kMaxNeighbourWeight)) {
      return absl::InvalidArgumentError(
          absl::StrCat("neighbour weights must be in [0, ", kMaxNeighbourWeight, "]"));
    }
  }

  // Labels: those with enough documents, sorted by name.
  const std::vector<uint32_t> counts = train.LabelCounts();
  std::vector<std::string> names;
  for (size_t l = 0; l < counts.size(); ++l) {
    if (counts[l] >= options.min_label_docs) {
      names.push_back(train.label_names()[l]);
    } else {
      rep.dropped_labels.push_back(train.label_names()[l]);
      rep.skipped_documents += counts[l];
    }
  }
  std::sort(names.begin(), names.end());
  std::sort(rep.dropped_labels.begin(), rep.dropped_labels.end());
  if (names.size() < 2) {
    return absl::FailedPreconditionError(absl::StrCat(
        "need at least 2 labels with at least ", options.min_label_docs,
        " documents each; the training data has ", names.size(),
        names.empty() ? "" : absl::StrCat(" (", absl::StrJoin(names, ", "), ")")));
  }
  if (names.size() > kMaxLabels) {
    return absl::FailedPreconditionError(
        absl::StrCat("at most ", kMaxLabels, " labels, the training data has ", names.size()));
  }
  const uint32_t k = static_cast<uint32_t>(names.size());
  absl::flat_hash_map<std::string, uint32_t> model_id;
  for (uint32_t m = 0; m < k; ++m) model_id[names[m]] = m;
  std::vector<int64_t> remap(train.label_names().size(), -1);
  for (size_t l = 0; l < remap.size(); ++l) {
    auto it = model_id.find(train.label_names()[l]);
    if (it != model_id.end()) remap[l] = it->second;
  }
  std::vector<uint32_t> docs;
  std::vector<uint32_t> y;
  for (size_t i = 0; i < train.size(); ++i) {
    const int64_t m = remap[train.labels()[i]];
    if (m < 0) continue;
    docs.push_back(static_cast<uint32_t>(i));
    y.push_back(static_cast<uint32_t>(m));
  }
  const size_t n_docs = docs.size();
  rep.documents = n_docs;
  rep.labels = names;

  // Gold ids of held-out documents (a development set, or the calibration
  // share): labels the model does not know get ids >= k and are never right.
  std::vector<std::string> eval_names = names;
  auto gold_ids = [&](const TrainingSet& set, const std::vector<uint32_t>& which) {
    absl::flat_hash_map<std::string, uint32_t> ids = model_id;
    std::vector<uint32_t> gold;
    for (uint32_t i : which) {
      const std::string& name = set.label_names()[set.labels()[i]];
      auto [it, inserted] = ids.try_emplace(name, static_cast<uint32_t>(eval_names.size()));
      if (inserted) eval_names.push_back(name);
      gold.push_back(it->second);
    }
    return gold;
  };
  auto metrics = [&](const std::vector<double>& s, const std::vector<uint32_t>& gold) {
    std::vector<uint32_t> pred(gold.size());
    for (size_t i = 0; i < pred.size(); ++i) pred[i] = ArgMaxRow(&s[i * k], k);
    return ComputeMetrics(gold, pred, eval_names);
  };

  rep.has_dev = dev != nullptr && dev->size() > 0;
  const bool try_neighbours =
      rep.has_dev && *std::max_element(options.neighbour_weights.begin(),
                                       options.neighbour_weights.end()) > 0;
  Fitted fitted;
  QALAM_RETURN_IF_ERROR(Fit(train, docs, y, k, options, try_neighbours, &rep, &fitted));
  double cw = options.centroid_weights.back();
  double nw = 0;
  if (rep.has_dev) {
    // Lambda, mu and the temperature from the development set.
    std::vector<uint32_t> dev_docs(dev->size());
    std::iota(dev_docs.begin(), dev_docs.end(), 0u);
    const std::vector<uint32_t> gold = gold_ids(*dev, dev_docs);
    const MemberScores ms = ScoreDocs(fitted, *dev, dev_docs, k);
    double best = -1;
    for (double ncand : options.neighbour_weights) {
      for (double cand : options.centroid_weights) {
        TrainReport::Candidate c{cand, ncand, metrics(ms.Fold(fitted, cand, ncand), gold)};
        const double score = c.dev.accuracy + c.dev.macro_f1;
        // Better, or as good with a smaller mu, or the same mu and a larger
        // (or later) lambda.
        const bool tie = std::fabs(score - best) <= 1e-12;
        if (score > best + 1e-12 || (tie && (ncand < nw || (ncand == nw && cand >= cw)))) {
          best = score;
          cw = cand;
          nw = ncand;
        }
        rep.candidates.push_back(std::move(c));
      }
    }
    const std::vector<double> s = ms.Fold(fitted, cw, nw);
    rep.dev = metrics(s, gold);
    rep.temperature = FitTemperature(s, gold, k);
    rep.temperature_fitted_on = "development set";
  } else {
    // The temperature from a held-out share of the training documents
    // (stratified: every label gives the same share, in a seeded order),
    // scored by a model trained on the rest. In-sample scores would not do:
    // the SVMs separate their own training documents, and the fitted
    // temperature would make every confidence 1.
    std::vector<std::vector<uint32_t>> by_label(k);
    for (size_t i = 0; i < n_docs; ++i) by_label[y[i]].push_back(static_cast<uint32_t>(i));
    SplitMix64 rng(options.seed ^ 0xCA11B8A7E5EEDULL);
    std::vector<bool> held(n_docs, false);
    for (std::vector<uint32_t>& members : by_label) {
      const uint32_t n = static_cast<uint32_t>(members.size());
      for (uint32_t i = 0; i + 1 < n; ++i) std::swap(members[i], members[i + rng.Below(n - i)]);
      const uint32_t take = static_cast<uint32_t>(std::floor(options.calibration_share * n));
      if (n - take < options.min_label_docs) continue;
      for (uint32_t i = 0; i < take; ++i) held[members[i]] = true;
    }
    std::vector<uint32_t> fit_docs, fit_y, cal_docs, cal_gold;
    for (size_t i = 0; i < n_docs; ++i) {
      if (held[i]) {
        cal_docs.push_back(docs[i]);
        cal_gold.push_back(y[i]);
      } else {
        fit_docs.push_back(docs[i]);
        fit_y.push_back(y[i]);
      }
    }
    rep.temperature = 1.0;
    rep.temperature_fitted_on = "nothing: too few documents to hold some out";
    if (!cal_docs.empty()) {
      TrainReport scratch_report;
      Fitted part;
      if (Fit(train, fit_docs, fit_y, k, options, /*neighbours=*/false, &scratch_report, &part)
              .ok()) {
        const MemberScores ms = ScoreDocs(part, train, cal_docs, k);
        rep.temperature = FitTemperature(ms.Fold(part, cw, 0), cal_gold, k);
        rep.temperature_fitted_on =
            absl::StrCat("held-out ", cal_docs.size(), " training documents");
        rep.seconds_calibration = scratch_report.seconds_vectors + scratch_report.seconds_cs +
                                  scratch_report.seconds_nb + scratch_report.seconds_centroids;
      }
    }
  }
  rep.centroid_weight = cw;
  rep.neighbour_weight = nw;
  rep.buckets_seen = fitted.buckets_seen;
  rep.buckets_kept = fitted.kept.size();

  // The folded model.
  const uint32_t cols = static_cast<uint32_t>(fitted.kept.size());
  TopicModelParts parts;
  parts.features = options.features;
  parts.labels = names;
  parts.bias.resize(k);
  parts.buckets = fitted.kept;
  parts.idf.resize(cols);
  parts.weights.resize(static_cast<size_t>(cols) * k);
  for (uint32_t j = 0; j <= cols; ++j) {
    for (uint32_t m = 0; m < k; ++m) {
      const size_t at = static_cast<size_t>(j) * k + m;
      const double v = fitted.w_cs[at] / fitted.s_cs + fitted.w_nb[at] / fitted.s_nb +
                       cw * fitted.w_cen[at] / fitted.s_cen;
      if (j == cols) {
        parts.bias[m] = static_cast<float>(v);
      } else {
        parts.weights[at] = static_cast<float>(v);
      }
    }
    if (j < cols) parts.idf[j] = static_cast<float>(fitted.idf[j]);
  }
  parts.temperature = static_cast<float>(rep.temperature);
  // The member's weight as the model applies it: mu over the member's
  // scale. Out of the model's range (a scale near 0: the member says almost
  // nothing) it is left out, as it is when it has no postings.
  const double stored = fitted.s_nn > 0 ? nw / fitted.s_nn : 0;
  const bool with_neighbours = nw > 0 && !fitted.nn.postings.empty() &&
                               static_cast<float>(stored) > 0 && stored <= 1e6;
  if (with_neighbours) {
    parts.neighbour_weight = static_cast<float>(stored);
    parts.neighbour_labels = fitted.nn.label;
    parts.neighbour_start = fitted.nn.start;
    parts.neighbour_postings = fitted.nn.postings;
    rep.scale_neighbours = fitted.s_nn;
    rep.neighbour_buckets = fitted.nn.buckets;
    rep.neighbour_postings = fitted.nn.postings.size();
  }
  rep.neighbour_member = with_neighbours;
  rep.scale_cs = fitted.s_cs;
  rep.scale_nb = fitted.s_nb;
  rep.scale_centroids = fitted.s_cen;
  std::vector<std::string> label_counts;
  {
    std::vector<uint32_t> per(k, 0);
    for (uint32_t l : y) ++per[l];
    for (uint32_t m = 0; m < k; ++m) label_counts.push_back(absl::StrCat(names[m], "=", per[m]));
  }
  std::string cands, ncands;
  for (double c : options.centroid_weights) {
    absl::StrAppend(&cands, cands.empty() ? "" : ",", FormatDouble(c));
  }
  for (double c : options.neighbour_weights) {
    absl::StrAppend(&ncands, ncands.empty() ? "" : ",", FormatDouble(c));
  }
  // Only when the member was considered, so that a model trained without it
  // is the same file as before the member existed.
  std::string neighbour_line;
  if (with_neighbours) {
    neighbour_line = absl::StrCat(
        "neighbours: weight ", FormatDouble(nw), " (chosen on the development set from ", ncands,
        "); buckets in <= ", options.neighbour_max_df, " documents: ", fitted.nn.buckets,
        "; postings: ", fitted.nn.postings.size(),
        "; scale: ", FormatDouble(fitted.s_nn), "\n");
  } else if (try_neighbours) {
    std::string why;
    if (fitted.nn.start.empty() && fitted.nn.wanted > 0) {
      why = absl::StrCat(fitted.nn.wanted, " postings, over the limit of ",
                         options.neighbour_max_postings);
    } else if (fitted.nn.postings.empty()) {
      why = absl::StrCat("no bucket in <= ", options.neighbour_max_df, " documents");
    } else if (nw == 0) {
      why = absl::StrCat("weight 0 chosen on the development set from ", ncands);
    } else {
      why = absl::StrCat("weight ", FormatDouble(nw), " over a scale of ",
                         FormatDouble(fitted.s_nn), " is out of range");
    }
    neighbour_line = absl::StrCat("neighbours: none (", why, ")\n");
  }
  if (!neighbour_line.empty()) {
    rep.neighbour_summary = neighbour_line.substr(0, neighbour_line.size() - 1);
  }
  parts.description = absl::StrCat(
      "model: qalam topic classifier\n",
      "recipe: hashed features (", FamiliesToString(options.features.families), "; 2^",
      options.features.bits,
      " buckets), sublinear tf x idf, L2; Crammer-Singer SVM + one-vs-rest NB-SVM + "
      "centroids, each scaled by 1/std of its in-sample scores, folded into one matrix\n",
      "documents: ", n_docs, "\n", "labels: ", absl::StrJoin(label_counts, " "), "\n",
      rep.dropped_labels.empty()
          ? ""
          : absl::StrCat("dropped_labels: ", absl::StrJoin(rep.dropped_labels, " "), "\n"),
      "min_df: ", options.min_df, "\n", "buckets_kept: ", cols, " of ", rep.buckets_seen,
      "\n", "c: ", FormatDouble(options.c), "\n", "member_scales: cs=",
      FormatDouble(fitted.s_cs), " nb=", FormatDouble(fitted.s_nb),
      " centroids=", FormatDouble(fitted.s_cen), "\n", "centroid_weight: ", FormatDouble(cw),
      rep.has_dev ? absl::StrCat(" (chosen on the development set from ", cands, ")")
                  : std::string(" (fixed)"),
      "\n", neighbour_line, "temperature: ", FormatDouble(rep.temperature), " (fitted on the ",
      rep.temperature_fitted_on, ")\n", "seed: ", options.seed, "\n", options.description);
  auto model = TopicModel::Create(std::move(parts));
  rep.seconds_total = SecondsSince(t_start);
  return model;
}

}  // namespace classify
}  // namespace qalam
