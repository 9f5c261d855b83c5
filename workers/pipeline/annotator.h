// The Annotator: everything qalam computes for one article, in one place,
// so that `qalam annotate`, the worker and the API produce identical results
// by construction.
//
// It runs the text core (sentences, tokens), the language identifier, the
// topic classifier (label, confidence, labels) and the summariser
// (summaries and keywords).
//
// An Annotator is immutable after construction and safe for concurrent use;
// each thread passes its own AnnotatorScratch.
#ifndef QALAM_WORKERS_PIPELINE_ANNOTATOR_H_
#define QALAM_WORKERS_PIPELINE_ANNOTATOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workers/classify/topic_model.h"
#include "workers/pipeline/article.h"
#include "workers/summarize/summarizer.h"
#include "workers/text/analyzer.h"
#include "workers/text/langid.h"
#include "workers/text/utf8.h"

namespace qalam {

struct AnnotateOptions {
  text::OffsetUnit offsets = text::OffsetUnit::kUtf8;
  int summary_sentences = 3;  // K
  // When > 0, K = ceil(summary_ratio * the article's sentences), at least 1
  // and at most summary_max_sentences (summary_sentences is then unused).
  double summary_ratio = 0;
  int summary_max_sentences = 10;
  int keywords = 10;          // N
  // What to compute. Fields not computed are left out of the result line.
  bool sentences = true;      // "sentences" and "tokens"
  bool language = true;       // "lang" and "lang_confidence"
  bool classify = true;       // "label", "confidence", "labels"
  bool summarize = true;      // "summary" and "summary_text"
  bool keywords_enabled = true;  // "keywords"
};

// Upper bounds on what a caller may ask for (K, N): a request beyond them is
// refused rather than served slowly.
inline constexpr int kMaxSummarySentences = 1000;
inline constexpr int kMaxKeywords = 1000;

// Checks K, the ratio (0 <= r <= 1), its maximum and N against the bounds
// above. InvalidArgument naming the field.
absl::Status ValidateAnnotateOptions(const AnnotateOptions& options);

struct ScoredLabel {
  std::string name;
  float score = 0;
};

// What qalam says about one article. Offsets are in options.offsets units.
// The has_* flags say which groups were computed (and are rendered).
struct AnnotationResult {
  std::string id;

  bool has_language = false;
  std::string language;  // "ar", "en", "und"
  float language_confidence = 0;

  bool has_label = false;
  std::string label;
  float confidence = 0;
  std::vector<ScoredLabel> labels;  // best first

  bool has_sentences = false;
  std::vector<uint32_t> sentence_offsets;  // begin0, end0, begin1, end1, ...
  uint32_t tokens = 0;                     // word-like tokens

  bool has_summary = false;
  std::vector<uint32_t> summary;  // ascending sentence indices
  std::string summary_text;

  bool has_keywords = false;
  std::vector<std::string> keywords;  // surface forms, best first

  // Clears every field, keeping allocated memory.
  void Clear();
};

// Per-thread memory reused across articles.
struct AnnotatorScratch {
  text::AnalyzedText analyzed;
  text::AnalyzedText title;
  summarize::SummarizerScratch summarizer;
  summarize::Summary summary;
  classify::ClassifyScratch topic;
  classify::TopicPrediction prediction;
  // The article re-analysed with the classifier's analyzer options, when
  // the Annotator's differ from them (tests only; see Annotator).
  text::AnalyzedText topic_title;
  text::AnalyzedText topic_body;
};

// What produced the annotations: each model as "<file> <64-bit content hash
// in hex>", so a caller can tell when results may change.
struct ModelVersions {
  std::string language_model;
  std::string arabic_topic_model;
  std::string english_topic_model;
  std::string taxonomy;  // "ar: label,label,...; en: label,..."
  std::string summarizer;
};

// The language whose summariser model serves the article: the identified
// language when it is "ar" or "en"; otherwise (undetermined, or no
// identification) Arabic when the text has more Arabic letters than Latin
// ones, else English.
summarize::Language SummaryLanguage(const text::LanguageResult* identified,
                                    const text::AnalyzedText& body);

struct AnnotatorConfig {
  text::AnalyzerOptions analyzer;
  // Folder of the model files; empty = the bundled models (see
  // common/model_path.h for where they are looked for).
  std::string model_dir;
  // A topic model (from `qalam train`) that labels every article, whatever
  // its language, instead of the bundled topic-ar.bin / topic-en.bin. When
  // `<topic_model>.summarize-ar.bin` or `.summarize-en.bin` exist (the
  // keyword tables `qalam train` rebuilds from the same articles), they
  // replace that language's summariser model too.
  std::string topic_model;
};

// At most this many labels, each with a probability of at least
// kMinLabelScore (the best label is always there), go into "labels".
inline constexpr int kMaxTopicLabels = 5;
inline constexpr float kMinLabelScore = 0.01f;

class Annotator {
 public:
  // Loads the models: the language identifier (langid.bin), the topic
  // models (topic-ar.bin and topic-en.bin, or config.topic_model) and the
  // summariser's (summarize-ar.bin, summarize-en.bin). Errors name the model
  // file and what is wrong with it (NotFound, InvalidArgument for a wrong
  // format, DataLoss for a damaged file, FailedPrecondition for a summariser
  // model built for other features).
  static absl::StatusOr<std::unique_ptr<Annotator>> Create(const AnnotatorConfig& config);

  // An annotator with the bundled models. When a model cannot be loaded,
  // status() says why and Annotate fails with that status for any feature
  // that needs it; prefer Create, which reports the error up front.
  // Summaries and keywords need stems and sentences (the AnalyzerOptions
  // defaults); with other options they are left out.
  explicit Annotator(text::AnalyzerOptions analyzer_options = text::AnalyzerOptions());
  Annotator(const Annotator&) = delete;
  Annotator& operator=(const Annotator&) = delete;

  const absl::Status& status() const { return status_; }
  const text::Analyzer& analyzer() const { return analyzer_; }
  const ModelVersions& versions() const { return versions_; }

  // The language identifier; null when it could not be loaded.
  const text::LanguageIdentifier* language_identifier() const { return langid_.get(); }
  // The summariser; null when its models could not be loaded.
  const summarize::Summarizer* summarizer() const { return summarizer_.get(); }

  // The topic model that labels articles identified as `lang` ("ar" or
  // "en"; with a config.topic_model, that one for every language); null
  // for "und" (no label: a model trained on Arabic or English news gives
  // confident nonsense on other languages) or when none was loaded.
  const classify::TopicModel* topic_model(text::Language lang) const;

  // Annotates `article` into `*result` (replacing its contents). The
  // summary, keywords and topic use article.title as the title (it may be
  // empty). The topic model is chosen by the article's language (see
  // topic_model()); an article without one gets no "label" fields.
  // REQUIRES: article.text and article.title are valid UTF-8 (ArticleParser
  // or ValidateArticleText checked the text). Returns InvalidArgument for a
  // text the text core refuses (too large).
  absl::Status Annotate(const ArticleView& article, const AnnotateOptions& options,
                        AnnotatorScratch* scratch, AnnotationResult* result) const;

 private:
  Annotator(text::AnalyzerOptions analyzer_options, bool load_models);
  absl::Status LoadModels(const AnnotatorConfig& config);

  text::Analyzer analyzer_;
  // The classifier's analyzer (default options) when analyzer_'s differ.
  std::unique_ptr<text::Analyzer> topic_analyzer_;
  std::unique_ptr<text::LanguageIdentifier> langid_;
  std::unique_ptr<const classify::TopicModel> topic_ar_;
  std::unique_ptr<const classify::TopicModel> topic_en_;
  std::unique_ptr<const classify::TopicModel> topic_all_;
  ModelVersions versions_;
  std::unique_ptr<const summarize::Summarizer> summarizer_;
  absl::Status status_;  // of loading the models
};

// The language of an article: the identifier's answer on title + text, or
// the caller's hint ("ar"/"en") when the identifier is not confident
// (confidence < 0.9) of a different answer; then the confidence reported is
// 0.5, meaning "taken from the hint".
text::LanguageResult DecideLanguage(const text::LanguageIdentifier& langid,
                                    const ArticleView& article);

// "<file name> <checksum in hex>": the checksum of the file's contents that
// every qalam model format stores at byte 24 of its 64-byte header, and
// that its loader verified (so describing a model reads 32 bytes, not the
// whole file again). "<path> (unreadable)" when it cannot be read.
std::string DescribeModelFile(const std::string& path);

// Appends the result line of docs/CONTRACT.md (one JSON object, no trailing
// newline) to `*out`. Deterministic: the same result gives the same bytes.
void AppendResultJson(const AnnotationResult& result, std::string* out);

// Appends an error line: {"file": ..., "line": N, "id": ..., "code": ...,
// "error": ...}. `file` may be empty (omitted), `line` 0 (omitted).
void AppendErrorJson(absl::string_view file, uint64_t line, absl::string_view id,
                     const absl::Status& status, std::string* out);

}  // namespace qalam

#endif  // QALAM_WORKERS_PIPELINE_ANNOTATOR_H_
