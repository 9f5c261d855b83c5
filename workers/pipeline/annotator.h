// The Annotator: everything qalam computes for one article, in one place,
// so that `qalam annotate`, the worker and the API produce identical results
// by construction.
//
// Today it runs the text core (sentences, tokens). Language identification,
// topic classification, summaries and keywords plug in here as they land.
//
// An Annotator is immutable after construction and safe for concurrent use;
// each thread passes its own AnnotatorScratch.
#ifndef QALAM_WORKERS_PIPELINE_ANNOTATOR_H_
#define QALAM_WORKERS_PIPELINE_ANNOTATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "workers/pipeline/article.h"
#include "workers/text/analyzer.h"
#include "workers/text/utf8.h"

namespace qalam {

struct AnnotateOptions {
  text::OffsetUnit offsets = text::OffsetUnit::kUtf8;
  int summary_sentences = 3;  // K
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

// Checks K and N against the bounds above. InvalidArgument naming the field.
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
};

class Annotator {
 public:
  explicit Annotator(text::AnalyzerOptions analyzer_options = text::AnalyzerOptions());
  Annotator(const Annotator&) = delete;
  Annotator& operator=(const Annotator&) = delete;

  const text::Analyzer& analyzer() const { return analyzer_; }

  // Annotates `article` into `*result` (replacing its contents).
  // REQUIRES: article.text is valid UTF-8 (ArticleParser or
  // ValidateArticleText checked it). Returns InvalidArgument for a text the
  // text core refuses (too large).
  absl::Status Annotate(const ArticleView& article, const AnnotateOptions& options,
                        AnnotatorScratch* scratch, AnnotationResult* result) const;

 private:
  text::Analyzer analyzer_;
};

// Appends the result line of docs/CONTRACT.md (one JSON object, no trailing
// newline) to `*out`. Deterministic: the same result gives the same bytes.
void AppendResultJson(const AnnotationResult& result, std::string* out);

// Appends an error line: {"file": ..., "line": N, "id": ..., "code": ...,
// "error": ...}. `file` may be empty (omitted), `line` 0 (omitted).
void AppendErrorJson(absl::string_view file, uint64_t line, absl::string_view id,
                     const absl::Status& status, std::string* out);

}  // namespace qalam

#endif  // QALAM_WORKERS_PIPELINE_ANNOTATOR_H_
