// Training a TopicModel from labelled documents.
//
//   TrainingSet train(options.features), dev(options.features);
//   for (each record) QALAM_RETURN_IF_ERROR(train.Add(title, text, label));
//   TrainReport report;
//   QALAM_ASSIGN_OR_RETURN(auto model, TrainTopicModel(train, &dev, options, &report));
//   QALAM_RETURN_IF_ERROR(model->Save(path));
//
// The recipe (see models/README.md, "Topic models", for the figures):
//   1. Features (features.h) of title and body; idf = ln((1+N)/(1+df)) + 1
//      over the N training documents, and buckets with df < min_df are
//      dropped; x = L2-normalised tf * idf.
//   2. Three linear members on the same x: a Crammer-Singer multi-class SVM,
//      a one-vs-rest NB-SVM (an L2-loss SVM on x ⊙ r_k with
//      r_k = ln((1 + P_k) / (1 + Q_k)), P_k / Q_k the number of documents
//      inside / outside label k that contain the bucket), and the
//      L2-normalised label centroids.
//   3. Each member is divided by the standard deviation of its in-sample
//      decision values (all N x K of them) and the three are summed, the
//      centroids weighted by lambda: one weight matrix. Lambda is the
//      candidate with the best accuracy + macro-F1 on the development set
//      when there is one (ties to the larger), else the last candidate.
//   3b. Optionally a fourth, non-linear member, the neighbours (see
//      topic_model.h): the training documents' vectors over the rare kept
//      buckets (in at most neighbour_max_df of them), and per label
//      the squared cosine of the nearest one. It is scaled by the std of its
//      leave-one-out in-sample values and weighted by mu, chosen on the
//      development set jointly with lambda (ties to the smaller mu, then
//      the larger lambda); without a development set mu is 0 and the
//      member is left out. News corpora hold rewritten and syndicated
//      copies of the same story; a near-copy of a training article is best
//      labelled as that article.
//   4. The softmax temperature minimises the negative log-likelihood of the
//      development set's labels; without one, of a held-out share of the
//      training documents (calibration_share of each label) scored by a
//      first model trained on the rest: in-sample scores would not do, the
//      SVMs separate their own training documents. The model itself is
//      always trained on all training documents.
// Training is deterministic: the same documents in the same order with the
// same options (seed included) give a byte-identical model.
//
// A TrainingSet is not thread-safe (one thread adds documents).
// TrainTopicModel only reads its inputs.
#ifndef QALAM_WORKERS_CLASSIFY_TRAINER_H_
#define QALAM_WORKERS_CLASSIFY_TRAINER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workers/classify/features.h"
#include "workers/classify/metrics.h"
#include "workers/classify/topic_model.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace classify {

// Documents reduced to their feature buckets, with their labels.
class TrainingSet {
 public:
  explicit TrainingSet(FeatureOptions features = FeatureOptions());
  TrainingSet(const TrainingSet&) = delete;
  TrainingSet& operator=(const TrainingSet&) = delete;

  // Analyses a document (title may be empty) and adds it with `label`.
  // REQUIRES: title and text are valid UTF-8 (the record parser checked).
  // InvalidArgument for a text the text core refuses (too large) or an
  // empty label.
  absl::Status Add(absl::string_view title, absl::string_view text, absl::string_view label);

  size_t size() const { return labels_.size(); }
  const FeatureOptions& feature_options() const { return extractor_.options(); }

  // Labels in order of first appearance, and each document's label id.
  const std::vector<std::string>& label_names() const { return label_names_; }
  const std::vector<uint32_t>& labels() const { return labels_; }
  // Number of documents per label id.
  std::vector<uint32_t> LabelCounts() const;

  // The title and body analysed by the last successful Add (for callers
  // that need more of them, e.g. keyword tables). Valid until the next Add;
  // they refer to the text given to it, which must still be alive.
  const text::AnalyzedText& last_title() const { return title_doc_; }
  const text::AnalyzedText& last_body() const { return body_doc_; }

  // Document i's distinct buckets (ascending) and summed tf.
  size_t begin(size_t i) const { return start_[i]; }
  size_t end(size_t i) const { return start_[i + 1]; }
  const std::vector<uint32_t>& buckets() const { return buckets_; }
  const std::vector<float>& tf() const { return tf_; }

 private:
  text::Analyzer analyzer_;
  FeatureExtractor extractor_;
  text::AnalyzedText title_doc_, body_doc_;
  FeatureScratch scratch_;
  std::vector<BucketTf> doc_;
  std::vector<uint64_t> start_{0};
  std::vector<uint32_t> buckets_;
  std::vector<float> tf_;
  std::vector<std::string> label_names_;
  absl::flat_hash_map<std::string, uint32_t> label_ids_;
  std::vector<uint32_t> labels_;
};

// The largest neighbour weight TrainOptions accepts.
inline constexpr double kMaxNeighbourWeight = 1000;

struct TrainOptions {
  // Must equal the TrainingSets' feature options.
  FeatureOptions features;
  uint32_t min_df = 2;           // buckets in fewer training documents are dropped
  uint32_t min_label_docs = 2;   // labels with fewer documents are dropped
  double c = 1.0;                // SVM cost, both SVM members
  double cs_eps = 0.01;          // Crammer-Singer stopping tolerance
  int cs_max_iter = 100;
  double nb_eps = 1e-4;          // NB-SVM stopping tolerance
  int nb_max_iter = 2000;
  // Centroid weights to choose from on the development set; without one,
  // the last is used. Not empty.
  std::vector<double> centroid_weights = {0.25, 0.5, 1.0};
  // Neighbour-member weights to choose from on the development set, with
  // the centroid weight; 0 leaves the member out. Not empty. Without a
  // development set the member is left out.
  std::vector<double> neighbour_weights = {0.0, 0.5, 1.0};
  // The member's buckets: kept buckets in at most this many training
  // documents (>= 1). A bound on the length of every posting list, and so
  // on the member's cost per prediction whatever the corpus size.
  uint32_t neighbour_max_df = 20;
  // The member is left out when it would hold more postings than this (8
  // bytes each in the model file: 32 Mi postings are 256 MiB).
  uint64_t neighbour_max_postings = uint64_t{1} << 25;
  // Without a development set, the temperature is fitted on this share of
  // the training documents (per label), held out from a first model.
  double calibration_share = 0.2;
  uint64_t seed = 0;             // of the solvers' visiting orders
  std::string description;       // extra "key: value" lines for the model
};

struct TrainReport {
  uint64_t documents = 0;         // training documents used
  uint64_t skipped_documents = 0; // of dropped labels
  std::vector<std::string> dropped_labels;
  std::vector<std::string> labels;  // the model's, sorted
  uint64_t buckets_seen = 0;
  uint64_t buckets_kept = 0;      // df >= min_df
  // Time spent in the final model's training steps, in the calibration
  // model (without a development set), and in all.
  double seconds_vectors = 0, seconds_cs = 0, seconds_nb = 0, seconds_centroids = 0,
         seconds_calibration = 0, seconds_total = 0;
  int cs_iterations = 0;
  bool cs_converged = false;
  int nb_max_iterations = 0;      // the most any one-vs-rest problem took
  bool nb_converged = true;
  double scale_cs = 0, scale_nb = 0, scale_centroids = 0;  // in-sample stds
  double centroid_weight = 0;     // lambda used
  double neighbour_weight = 0;    // mu chosen (0 without a development set)
  bool neighbour_member = false;  // the model has the member
  // The model description's "neighbours: ..." line (without the newline):
  // the member's size, or why it was left out; empty when it was not tried.
  std::string neighbour_summary;
  double scale_neighbours = 0;    // its leave-one-out in-sample std
  uint64_t neighbour_buckets = 0; // buckets with postings
  uint64_t neighbour_postings = 0;
  double seconds_neighbours = 0;
  struct Candidate {
    double centroid_weight;
    double neighbour_weight;
    ClassificationMetrics dev;
  };
  std::vector<Candidate> candidates;  // on the development set
  bool has_dev = false;
  ClassificationMetrics dev;          // of the final model
  double temperature = 1;
  std::string temperature_fitted_on;  // "development set", "held-out N training documents"
};

// Trains a model on `train`, using `dev` (may be null or empty) to choose
// the centroid weight and fit the temperature. Errors:
//   InvalidArgument: options out of range, or feature options differing
//     from the sets';
//   FailedPrecondition: fewer than 2 labels with at least min_label_docs
//     documents ("need at least 2 labels ..."), or no document with a
//     feature.
// `report` (may be null) receives what happened.
absl::StatusOr<std::unique_ptr<TopicModel>> TrainTopicModel(const TrainingSet& train,
                                                            const TrainingSet* dev,
                                                            const TrainOptions& options,
                                                            TrainReport* report);

}  // namespace classify
}  // namespace qalam

#endif  // QALAM_WORKERS_CLASSIFY_TRAINER_H_
