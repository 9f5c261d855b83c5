// The Summarizer: extractive summaries and keywords of Arabic and English
// news articles.
//
// A summary is K whole sentences of the article, chosen by a learned linear
// scorer over per-sentence features (features.h) and shown in article order.
// Near-duplicate sentences are not both chosen; boilerplate, bylines,
// captions and headline-like lines are chosen only when better sentences run
// out. Summary::text is the chosen sentences joined by one space, less a
// leading dateline or source tag of the first sentence ("LONDON (Reuters) -",
// "دبي، الإمارات العربية المتحدة (CNN) --").
//
//   auto summarizer = Summarizer::LoadFromDir("models");   // StatusOr
//   SummarizerScratch scratch;                             // one per thread
//   Summary summary;
//   (*summarizer)->Summarize(Language::kArabic, title_doc, body_doc,
//                            SummaryOptions(), &scratch, &summary);
//
// A Summarizer is immutable after creation and safe for concurrent use; each
// thread passes its own SummarizerScratch, which keeps its memory from one
// article to the next (no allocation per token, and none at all per article
// once warmed up, apart from the output strings).
#ifndef QALAM_WORKERS_SUMMARIZE_SUMMARIZER_H_
#define QALAM_WORKERS_SUMMARIZE_SUMMARIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "workers/summarize/features.h"
#include "workers/summarize/keywords.h"
#include "workers/summarize/language.h"
#include "workers/summarize/summary_model.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace summarize {

struct SummaryOptions {
  // K, the number of sentences, when ratio is 0.
  int sentences = 3;
  // When > 0: K = ceil(ratio * sentences of the article), clamped to
  // [min_sentences, max_sentences].
  double ratio = 0;
  int min_sentences = 1;
  int max_sentences = 10;
  // Two chosen sentences never have a tf-idf cosine above this (the second
  // is skipped while other sentences remain).
  double duplicate_cosine = 0.8;
  // Summary::text cuts a chosen sentence longer than this many words (an
  // article without sentence punctuation is one "sentence"): at the last
  // comma-like mark in its second half if there is one, else after the
  // word, then "…". 0: never cut. Summary::sentences still names the whole
  // sentence.
  int max_sentence_words = 120;
  // Which lines count as junk (see JunkRules).
  JunkRules junk;
};

struct Summary {
  std::vector<uint32_t> sentences;  // ascending indices into the body's sentences
  std::string text;
  void Clear() {
    sentences.clear();
    text.clear();
  }
};

// Per-thread memory for Summarizer calls. Not thread-safe; cheap to keep one
// per pool thread for its whole life.
class SummarizerScratch {
 public:
  SummarizerScratch() = default;
  SummarizerScratch(const SummarizerScratch&) = delete;
  SummarizerScratch& operator=(const SummarizerScratch&) = delete;

  // The features of the last Summarize call (for training and tests).
  const FeatureScratch& features() const { return features_; }
  // The scores of the last Summarize call, one per sentence.
  const std::vector<double>& scores() const { return scores_; }

 private:
  friend class Summarizer;
  FeatureScratch features_;
  KeywordScratch keywords_;
  std::vector<double> scores_;
  std::vector<uint32_t> order_;
  std::vector<uint8_t> taken_;
  std::vector<double> dense_;
};

class Summarizer {
 public:
  // Takes the models of both languages. InvalidArgument when a model is
  // missing or is of the wrong language.
  static absl::StatusOr<std::unique_ptr<Summarizer>> Create(
      std::unique_ptr<const SummaryModel> arabic, std::unique_ptr<const SummaryModel> english);

  // Loads `dir`/summarize-ar.bin and `dir`/summarize-en.bin (errors as
  // SummaryModel::Load, naming the file).
  static absl::StatusOr<std::unique_ptr<Summarizer>> LoadFromDir(const std::string& dir);

  Summarizer(const Summarizer&) = delete;
  Summarizer& operator=(const Summarizer&) = delete;

  const SummaryModel& model(Language lang) const { return *models_[static_cast<int>(lang)]; }

  // K for an article of `sentences` sentences under `options` (before the
  // "short article: all sentences" rule).
  static int SentencesFor(const SummaryOptions& options, size_t sentences);

  // Summarises the article whose body is `body` (title `title`, may be
  // empty) with the model of `lang` into `*out` (replacing its contents).
  // An article of at most K sentences gets all of them; one without any
  // sentence boundary is one sentence. REQUIRES: both analysed with stems
  // and sentences on (text::AnalyzerOptions' defaults); the analysed texts
  // outlive the call.
  void Summarize(Language lang, const text::AnalyzedText& title, const text::AnalyzedText& body,
                 const SummaryOptions& options, SummarizerScratch* scratch, Summary* out) const;

  // Replaces `*out` with up to `n` keywords of the article, best first (see
  // keywords.h). REQUIRES: as Summarize; n >= 0.
  void Keywords(Language lang, const text::AnalyzedText& title, const text::AnalyzedText& body,
                int n, SummarizerScratch* scratch, std::vector<std::string>* out) const;

 private:
  Summarizer(std::unique_ptr<const SummaryModel> arabic,
             std::unique_ptr<const SummaryModel> english);

  std::unique_ptr<const SummaryModel> models_[kNumLanguages];
  std::unique_ptr<KeywordExtractor> keywords_[kNumLanguages];
};

// Appends the summary text of the chosen `sentences` of `body` to `*out`
// (joined by one space; sentence 0 less `dateline0_bytes`; sentences longer
// than `max_words` words cut). Exposed for the trainer's evaluation.
void AppendSummaryText(const text::AnalyzedText& body, const std::vector<uint32_t>& sentences,
                       size_t dateline0_bytes, int max_words, std::string* out);

}  // namespace summarize
}  // namespace qalam

#endif  // QALAM_WORKERS_SUMMARIZE_SUMMARIZER_H_
