// LanguageIdentifier: tells Arabic and English news text from everything
// else, with a confidence.
//
//   QALAM_ASSIGN_OR_RETURN(std::string path, LanguageIdentifier::DefaultModelPath());
//   QALAM_ASSIGN_OR_RETURN(auto langid, LanguageIdentifier::Load(path));
//   LanguageResult r = langid->IdentifyArticle(title, text);
//   Emit(r.code(), r.confidence);   // "ar" / "en" / "und", in [0, 1]
//
// A LanguageIdentifier is immutable after loading and safe for concurrent
// use: Identify is const, keeps all its state on the stack and makes no heap
// allocation, so one instance serves every thread of a worker.
//
// How it decides (models/README.md has the details and the figures): the
// letters of the text choose the script (Latin or Arabic; an Arabic letter
// weighs 1.5 because the script writes no short vowels). The character
// 1..4-grams of the words of that script are scored under the target
// language (en or ar) and the languages of the same script it must not be
// confused with (fr es de it pt nl; fa ur ckb ps). The label is the target
// when its mean log-likelihood margin per n-gram over the best other language
// exceeds a threshold, and "und" otherwise: other languages, other scripts,
// too little text (fewer than 4 letters), digits, URLs, e-mail addresses.
//
// Long texts: early exit. Scoring stops once the text read so far is
// decisively Arabic or English. The pass checks after whitespace-delimited
// chunks only: at the first chunk end where at least kStopMinNgrams n-grams
// (of either script, each counted once whatever its weight) have been scored,
// and then each time another kStopCheckEvery have been, it takes the
// decision on the text so far; if that is "ar" or "en" with confidence
// >= kStopConfidence, it is the result and the rest of the text is not
// read. Otherwise the scan goes on, so every "und" rests on the whole text.
// kStopMinNgrams is the model's n0: the length beyond which more n-grams no
// longer raise the confidence factor sqrt(min(n, n0) / n_ref), about 50
// words of English or Arabic. The rule depends only on the text, so it is
// deterministic, texts shorter than that are always read whole, and
// IdentifyArticle(title, text) is still exactly Identify(title + "\n" +
// text). For a text that stopped early, the confidence is that of the part
// read (>= kStopConfidence rather than the whole text's, which is closer to
// 1), and margin / ngrams describe that part.
#ifndef QALAM_WORKERS_TEXT_LANGID_H_
#define QALAM_WORKERS_TEXT_LANGID_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workers/text/langid_model.h"

namespace qalam {
namespace text {

enum class Language : uint8_t {
  kUndetermined = 0,  // "und": neither Arabic nor English, or too little text
  kArabic = 1,        // "ar"
  kEnglish = 2,       // "en"
};

// "und", "ar" or "en": a static string.
const char* LanguageCode(Language lang);

struct LanguageResult {
  Language lang = Language::kUndetermined;
  // How sure the identifier is of `lang`, in [0, 1]. For "und" it is the
  // confidence that the text is not the target language of its script (or,
  // when another script dominates, that script's share of the letters); 0
  // when there was nothing to judge (no letters, fewer than 4).
  double confidence = 0.0;
  // Diagnostics: the mean log-likelihood margin per n-gram (nats) of the
  // target language over the best other language of the dominant script, and
  // the number of n-grams it rests on (in lower-case-word units). Both 0 when
  // no script was scored.
  double margin = 0.0;
  double ngrams = 0.0;

  const char* code() const { return LanguageCode(lang); }
};

class LanguageIdentifier {
 public:
  // Loads the model file at `path`. Returns NotFound when the file does not
  // exist, and otherwise the errors of langid::ParseModel (InvalidArgument
  // for a file that is not a model of this version; DataLoss for a truncated
  // or corrupted one), each message prefixed with the path.
  static absl::StatusOr<std::unique_ptr<LanguageIdentifier>> Load(const std::string& path);

  // Same, from the bytes of a model file (which need not outlive the call).
  static absl::StatusOr<std::unique_ptr<LanguageIdentifier>> FromBytes(absl::string_view bytes);

  // Same, from a model already in memory (the builder's output).
  static std::unique_ptr<LanguageIdentifier> FromModel(langid::Model model);

  // The bundled model: the first of these files that exists:
  //   $QALAM_MODEL_DIR/langid.bin                 (when the variable is set)
  //   <dir of /proc/self/exe>/../models/langid.bin     (installed layout)
  //   <dir of /proc/self/exe>/../../models/langid.bin  (build/<subdir>/binary)
  //   QALAM_SOURCE_DIR/models/langid.bin          (the source tree it was built from)
  // NotFound, listing every path tried, when none exists.
  static absl::StatusOr<std::string> DefaultModelPath();

  // Identifies the language of `text`. Any length, including empty.
  // REQUIRES: `text` is valid UTF-8 (validated where text enters qalam).
  // Invalid UTF-8 never crashes or reads out of bounds: each bad byte reads
  // as U+FFFD (a word separator).
  LanguageResult Identify(absl::string_view text) const;

  // Identifies an article from its title and body: exactly
  // Identify(title + "\n" + text), without building that string. This is
  // the form to use when both are known (the title adds evidence for short
  // items). Same REQUIRES as Identify.
  LanguageResult IdentifyArticle(absl::string_view title, absl::string_view text) const;

  const langid::Model& model() const { return model_; }

  // The early exit (see the top of this file): the decision is first taken
  // on the text so far once kStopMinNgrams n-grams are scored, then after
  // every further kStopCheckEvery, and scoring stops when it is "ar" or "en"
  // with at least kStopConfidence.
  static constexpr uint64_t kStopMinNgrams = 1000;
  static constexpr uint64_t kStopCheckEvery = 256;
  static constexpr double kStopConfidence = 0.9999;

  // Immutable, and it owns ~850 KB of tables: neither copyable nor movable
  // (share it by reference or through the unique_ptr).
  LanguageIdentifier(const LanguageIdentifier&) = delete;
  LanguageIdentifier& operator=(const LanguageIdentifier&) = delete;

 private:
  explicit LanguageIdentifier(langid::Model model);
  struct Accumulator;
  LanguageResult Decide(const Accumulator& acc) const;

  const langid::Model model_;
  const langid::CharTable chars_;
  const uint32_t mask_lat_;
  const uint32_t mask_ara_;
};

}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_LANGID_H_
