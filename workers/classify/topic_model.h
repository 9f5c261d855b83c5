// A TopicModel: a trained topic classifier (one linear model over hashed
// TF-IDF features, features.h) and its file format.
//
//   QALAM_ASSIGN_OR_RETURN(std::unique_ptr<TopicModel> model, TopicModel::Load(path));
//   text::Analyzer analyzer;                 // default options
//   text::AnalyzedText title, body;          // per thread, reused
//   ClassifyScratch scratch;                 // per thread, reused
//   analyzer.Analyze(article_title, &title); analyzer.Analyze(article_text, &body);
//   TopicPrediction p;
//   model->Classify(title, body, &scratch, &p);
//   Emit(model->label(p.label), p.confidence);
//
// How a document is scored: its buckets' summed sublinear tf (features.h)
// are multiplied by the model's idf, L2-normalised over the buckets the
// model knows (buckets seen in fewer than min-df training documents are not
// stored and count for nothing), and dotted with each label's weights, plus
// the label's bias: one sparse dot product. The label with the largest
// decision value wins; confidences are a softmax of the decision values
// divided by the model's temperature.
//
// A model may also carry a neighbour member (trainer.h): the tf-idf vectors
// of its training documents over the model's rare rows (those stored with
// postings), each L2-normalised over those rows. It adds to label k's
// decision value  neighbour_weight * max over the stored documents d of
// label k of cos(x', d)^2, where x' is the document's tf-idf over the same
// rows, L2-normalised over them (0 when the document has none of them). A
// near-copy of a training article thus pulls towards that article's label.
//
// File format, version 1 (all integers little-endian):
//   offset 0   char[8]  magic "QALAMTPC"
//          8   u32      format version: 1, or 2 with the neighbour member below
//         12   u32      header size (64)
//         16   u64      file size in bytes
//         24   u64      checksum: Hash64(bytes [64, file size), kTopicModelChecksumSeed)
//         32   u32      K, the number of labels (2..kMaxLabels)
//         36   u32      n, the number of stored buckets
//         40   u32      feature scheme (features.h kFeatureScheme)
//         44   u32      bits (2^bits buckets)
//         48   u32      feature families (FeatureFamily bits)
//         52   u32      analyzer flags (bit 0: teh marbuta folded; must be 0)
//         56   f32      softmax temperature (0.001 to 1000)
//         60   u32      size of the description in bytes
//         64   the description: UTF-8 text, "key: value" lines saying how the
//              model was trained (not needed to predict), padded with NULs
//              to a multiple of 4 bytes
//              then K labels, each u32 length + UTF-8 bytes, padded to 4
//              then K x f32 biases (|b| <= 1e6)
//              then n rows of (K + 2) x 4 bytes: u32 bucket, f32 idf,
//              K x f32 weights; buckets strictly ascending, < 2^bits,
//              1e-3 <= idf <= 1e6, |weight| <= 1e6 (so scores stay finite)
// Format version 2 is version 1 followed by the neighbour member:
//              u32 D, stored training documents (1..2^31)
//              f32 neighbour weight (0 < w <= 1e6)
//              D x u32: each document's label (< K)
//              (n + 1) x u32 posting starts: row r's postings are
//              [start[r], start[r + 1]); start[0] = 0, non-decreasing
//              P = start[n] postings of (u32 document < D, f32 value in
//              (0, 1]), ascending documents within a row
// A model without a neighbour member is written as version 1, byte for byte
// as before this member existed; both versions load.
// Loading is one read of the file, a check of every field and the checksum,
// and building a bucket -> row hash table (a few milliseconds for the
// bundled models). Weights are used in place, not copied.
//
// A TopicModel is immutable after creation and safe for concurrent use:
// prediction is const and keeps its state in the caller's ClassifyScratch.
#ifndef QALAM_WORKERS_CLASSIFY_TOPIC_MODEL_H_
#define QALAM_WORKERS_CLASSIFY_TOPIC_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workers/classify/features.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace classify {

// The newest format version this build writes and reads (it reads 1 too).
inline constexpr uint32_t kTopicModelFormatVersion = 2;
inline constexpr uint64_t kTopicModelChecksumSeed = 0x5154504943534D44ULL;  // "QTPICSMD"
inline constexpr size_t kTopicModelHeaderBytes = 64;
inline constexpr uint32_t kMaxLabels = 4096;
inline constexpr size_t kMaxLabelBytes = 256;
inline constexpr uint32_t kMaxNeighbourDocs = 1u << 31;

// One posting of the neighbour member: a stored document holding a row, and
// the document's value there.
struct NeighbourPosting {
  uint32_t doc;  // < D
  float value;   // in (0, 1]
};

// The neighbour member's sums for one document, shared by TopicModel and
// the trainer so that both compute the same thing. For each of the
// document's `n` rows (rows[i], with its value values[i], in order) that
// has postings [start[row], start[row + 1]), adds value x posting value to
// dot[posting doc]; then writes to best[0..k) the largest dot product of
// each label's documents (`labels`: one per stored document), leaving out
// document `exclude` (kNoNeighbourDoc: none), and sets dot back to zeros.
// Returns the document's squared norm over the rows that have postings (0
// when none has). REQUIRES: dot holds one 0 per stored document and values
// are positive (a document's dot product is 0 until its first posting,
// which is how `touched`, a scratch vector, collects them).
inline constexpr uint32_t kNoNeighbourDoc = 0xFFFFFFFFu;
double NeighbourDots(const uint32_t* start, const NeighbourPosting* postings,
                     const uint32_t* labels, const uint32_t* rows, const float* values, size_t n,
                     uint32_t exclude, std::vector<float>* dot, std::vector<uint32_t>* touched,
                     float* best, size_t k);

// Everything a TopicModel is made of (what the trainer produces).
struct TopicModelParts {
  FeatureOptions features;
  std::vector<std::string> labels;  // K, distinct, non-empty, valid UTF-8
  std::vector<float> bias;          // K, |b| <= 1e6
  std::vector<uint32_t> buckets;    // n, strictly ascending, < 2^bits
  std::vector<float> idf;           // n, in (0, 1e6]
  std::vector<float> weights;       // n x K, bucket-major, |w| <= 1e6
  float temperature = 1.0f;         // in [0.001, 1000]
  std::string description;          // "key: value" lines; may be empty
  // The neighbour member (see above); absent when neighbour_labels is empty.
  float neighbour_weight = 0;             // (0, 1e6] when present
  std::vector<uint32_t> neighbour_labels; // D, each < K
  std::vector<uint32_t> neighbour_start;  // n + 1 posting starts
  std::vector<NeighbourPosting> neighbour_postings;  // P
};

// Per-thread memory for prediction, reused across documents.
struct ClassifyScratch {
  FeatureScratch features;
  std::vector<BucketTf> buckets;
  std::vector<float> scores;
  std::vector<float> probs;
  std::vector<const float*> rows;  // the model row of each bucket (or null)
  std::vector<uint32_t> row_ids;   // and its index (models with neighbours)
  // Neighbour member (NeighbourDots): the document's rows that have
  // postings and its values there, per stored document its dot product (kept
  // at zero between documents), the documents touched, and per label the
  // best.
  std::vector<uint32_t> neighbour_rows;
  std::vector<float> neighbour_values;
  std::vector<float> neighbour_dot;
  std::vector<uint32_t> neighbour_touched;
  std::vector<float> neighbour_best;
};

struct ScoredTopic {
  uint32_t label;  // index into TopicModel::labels()
  float score;     // softmax probability
};

struct TopicPrediction {
  uint32_t label = 0;               // the best label (largest decision value)
  float confidence = 0;             // its softmax probability
  std::vector<ScoredTopic> top;     // best first, see Classify
};

class TopicModel {
 public:
  // Validates `parts` (InvalidArgument naming the problem) and builds a model.
  static absl::StatusOr<std::unique_ptr<TopicModel>> Create(TopicModelParts parts);

  // Reads and checks the model file at `path`. NotFound when it cannot be
  // opened; InvalidArgument when it is not a topic model of this format
  // version or feature scheme; DataLoss when it is truncated, corrupted or
  // inconsistent. Messages start with the path.
  static absl::StatusOr<std::unique_ptr<TopicModel>> Load(const std::string& path);

  // As Load, from the bytes of a file; `what` names it in error messages.
  static absl::StatusOr<std::unique_ptr<TopicModel>> Parse(absl::string_view bytes,
                                                           absl::string_view what);

  // Immutable and large: neither copyable nor movable (share it through the
  // unique_ptr or by const reference).
  TopicModel(const TopicModel&) = delete;
  TopicModel& operator=(const TopicModel&) = delete;

  // The file image, and writing it to `path` (through a temporary file that
  // is renamed into place, so readers never see half a model). Errors name
  // the path.
  std::string Serialize() const;
  absl::Status Save(const std::string& path) const;

  // Decision values of every label for a document (title and body analysed
  // separately; the title may be empty), into scratch->scores (K values).
  // REQUIRES: both analysed by an Analyzer with stems on and default
  // normaliser options (see FeatureExtractor::Extract).
  void DecisionValues(const text::AnalyzedText& title, const text::AnalyzedText& body,
                      ClassifyScratch* scratch) const;

  // The best label, its confidence and up to `max_labels` (>= 1) best
  // labels with their softmax probabilities, best first, leaving out labels
  // below `min_score` (the best one is always there). The scores sum to at
  // most 1. Same REQUIRES as DecisionValues.
  void Classify(const text::AnalyzedText& title, const text::AnalyzedText& body,
                ClassifyScratch* scratch, TopicPrediction* out, int max_labels = 5,
                float min_score = 0.01f) const;

  // The index of the best label for the decision values in `scores`.
  static uint32_t ArgMax(const std::vector<float>& scores);

  size_t num_labels() const { return labels_.size(); }
  const std::vector<std::string>& labels() const { return labels_; }
  const std::string& label(uint32_t i) const { return labels_[i]; }
  const FeatureOptions& feature_options() const { return features_.options(); }
  size_t num_buckets() const { return n_; }
  float temperature() const { return temperature_; }
  const std::string& description() const { return description_; }
  const std::vector<float>& bias() const { return bias_; }
  // Stored training documents of the neighbour member (0: no such member).
  size_t num_neighbours() const { return neighbour_labels_.size(); }
  float neighbour_weight() const { return neighbour_weight_; }

  // The row of `bucket`: its idf followed by K weights; null when the model
  // does not store the bucket.
  const float* FindRow(uint32_t bucket) const;
  // The index of that row, kNoRow when there is none.
  static constexpr uint32_t kNoRow = 0xFFFFFFFFu;
  uint32_t FindRowIndex(uint32_t bucket) const;
  // Asks the CPU for the cache line of the slot where FindRow(bucket) starts.
  void PrefetchSlot(uint32_t bucket) const;

 private:
  explicit TopicModel(FeatureOptions features) : features_(features) {}
  // Parses a file image held in `words` (its first `size` bytes are the
  // file; the vector may be longer). The model keeps `words` and uses its
  // rows in place.
  static absl::StatusOr<std::unique_ptr<TopicModel>> ParseWords(std::vector<uint32_t> words,
                                                                size_t size,
                                                                absl::string_view what);
  // Parses the file image at `image` (`size` bytes, 4-byte aligned, readable
  // for at least 8 bytes past the end); the model keeps `owner`, which keeps
  // the image alive, and uses its rows in place.
  static absl::StatusOr<std::unique_ptr<TopicModel>> ParseImage(
      const uint32_t* image, size_t size, absl::string_view what,
      std::shared_ptr<const void> owner);
  absl::Status BuildIndex(absl::string_view what);
  // Checks and takes the neighbour member of `parts`-like vectors.
  absl::Status SetNeighbours(float weight, std::vector<uint32_t> labels,
                             std::vector<uint32_t> start, std::vector<NeighbourPosting> postings,
                             absl::string_view what, bool data_loss);
  // Adds the neighbour member's values to scores (K of them); rows[j] is the
  // model row of buckets[j] or null, scratch->row_ids[j] its index.
  void AddNeighbourScores(const std::vector<BucketTf>& buckets,
                          const std::vector<const float*>& rows, ClassifyScratch* scratch,
                          float* scores) const;

  FeatureExtractor features_;
  std::vector<std::string> labels_;
  std::vector<float> bias_;
  float temperature_ = 1.0f;
  std::string description_;
  uint32_t n_ = 0;
  // Rows of (K + 2) 32-bit words: bucket, idf, K weights. They live in
  // storage_ for a model trained in this process, and in the file image
  // that image_ keeps alive (a mapping or a buffer) for a loaded one.
  std::vector<uint32_t> storage_;
  std::shared_ptr<const void> image_;
  const uint32_t* rows_ = nullptr;
  uint32_t stride_ = 0;  // K + 2
  // bucket -> row: open addressing with linear probing, 2^k slots.
  struct Slot {
    uint32_t bucket;  // kEmptySlot when free
    uint32_t row;
  };
  static constexpr uint32_t kEmptySlot = 0xFFFFFFFFu;
  std::vector<Slot> slots_;
  uint32_t slot_shift_ = 32;
  float neighbour_weight_ = 0;
  std::vector<uint32_t> neighbour_labels_;  // empty: no neighbour member
  std::vector<uint32_t> neighbour_start_;
  // (doc, value) together: one cache line per row, not two.
  std::vector<NeighbourPosting> neighbour_postings_;
};

// Softmax of `scores` / temperature into `*probs` (same size).
void Softmax(const std::vector<float>& scores, float temperature, std::vector<float>* probs);

}  // namespace classify
}  // namespace qalam

#endif  // QALAM_WORKERS_CLASSIFY_TOPIC_MODEL_H_
