#include "workers/summarize/summarizer.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace qalam {
namespace summarize {
namespace {

// Marks that may end a shortened sentence: , ، ; ؛ :
bool IsClauseMark(absl::string_view p) {
  return p == "," || p == "\xD8\x8C" || p == ";" || p == "\xD8\x9B" || p == ":";
}

constexpr char kEllipsis[] = "\xE2\x80\xA6";  // …

}  // namespace

Summarizer::Summarizer(std::unique_ptr<const SummaryModel> arabic,
                       std::unique_ptr<const SummaryModel> english) {
  models_[static_cast<int>(Language::kArabic)] = std::move(arabic);
  models_[static_cast<int>(Language::kEnglish)] = std::move(english);
  for (int l = 0; l < kNumLanguages; ++l) {
    keywords_[l] = std::make_unique<KeywordExtractor>(models_[l].get());
  }
}

absl::StatusOr<std::unique_ptr<Summarizer>> Summarizer::Create(
    std::unique_ptr<const SummaryModel> arabic, std::unique_ptr<const SummaryModel> english) {
  if (arabic == nullptr || english == nullptr) {
    return absl::InvalidArgumentError("the summarizer needs an Arabic and an English model");
  }
  if (arabic->language() != Language::kArabic || english->language() != Language::kEnglish) {
    return absl::InvalidArgumentError(absl::StrCat(
        "summarizer models given for the wrong languages: '", LanguageCode(arabic->language()),
        "' as Arabic, '", LanguageCode(english->language()), "' as English"));
  }
  return std::unique_ptr<Summarizer>(new Summarizer(std::move(arabic), std::move(english)));
}

absl::StatusOr<std::unique_ptr<Summarizer>> Summarizer::LoadFromDir(const std::string& dir) {
  QALAM_ASSIGN_OR_RETURN(std::unique_ptr<SummaryModel> ar,
                         SummaryModel::Load(dir + "/summarize-ar.bin"));
  QALAM_ASSIGN_OR_RETURN(std::unique_ptr<SummaryModel> en,
                         SummaryModel::Load(dir + "/summarize-en.bin"));
  return Create(std::move(ar), std::move(en));
}

int Summarizer::SentencesFor(const SummaryOptions& options, size_t sentences) {
  if (options.ratio <= 0) return std::max(options.sentences, 0);
  const double k = std::ceil(options.ratio * static_cast<double>(sentences));
  const int lo = std::max(options.min_sentences, 0);
  const int hi = std::max(options.max_sentences, lo);
  if (!(k < hi)) return hi;  // also NaN
  return std::max(static_cast<int>(k), lo);
}

void Summarizer::Summarize(Language lang, const text::AnalyzedText& title,
                           const text::AnalyzedText& body, const SummaryOptions& options,
                           SummarizerScratch* scratch, Summary* out) const {
  out->Clear();
  const SummaryModel& model = *models_[static_cast<int>(lang)];
  FeatureScratch& fs = scratch->features_;
  FeatureExtractor(&model.stem_df()).Compute(title, body, options.junk, &fs);
  const size_t n = body.sentences().size();
  const int k = SentencesFor(options, n);
  std::vector<double>& score = scratch->scores_;
  score.assign(n, 0.0);
  const std::vector<double>& w = model.weights();
  for (size_t i = 0; i < n; ++i) {
    const double* x = &fs.x[i * kNumFeatures];
    double v = 0;
    for (int f = 0; f < kNumFeatures; ++f) v += w[f] * x[f];
    score[i] = v;
  }
  if (n == 0 || k <= 0) return;
  if (n <= static_cast<size_t>(k)) {
    for (uint32_t i = 0; i < n; ++i) out->sentences.push_back(i);
  } else {
    std::vector<uint32_t>& order = scratch->order_;
    order.resize(n);
    for (uint32_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&score](uint32_t a, uint32_t b) {
      return score[a] != score[b] ? score[a] > score[b] : a < b;
    });
    std::vector<uint8_t>& taken = scratch->taken_;
    taken.assign(n, 0);
    // The cosine of sentence i with the chosen ones, through a dense copy
    // of its tf-idf vector.
    std::vector<double>& dense = scratch->dense_;
    dense.assign(fs.terms.size(), 0.0);
    auto duplicate = [&](uint32_t i) {
      for (uint32_t q = fs.vec_begin[i]; q < fs.vec_begin[i + 1]; ++q) {
        dense[fs.vec[q].first] = fs.vec[q].second;
      }
      bool dup = false;
      for (uint32_t j : out->sentences) {
        double c = 0;
        for (uint32_t q = fs.vec_begin[j]; q < fs.vec_begin[j + 1]; ++q) {
          c += fs.vec[q].second * dense[fs.vec[q].first];
        }
        if (c > options.duplicate_cosine) {
          dup = true;
          break;
        }
      }
      for (uint32_t q = fs.vec_begin[i]; q < fs.vec_begin[i + 1]; ++q) dense[fs.vec[q].first] = 0;
      return dup;
    };
    const size_t want = static_cast<size_t>(k);
    // Best first; then, if that left fewer than K, near-duplicates; then
    // junk lines.
    for (int pass = 0; pass < 3 && out->sentences.size() < want; ++pass) {
      for (uint32_t i : order) {
        if (out->sentences.size() == want) break;
        if (taken[i]) continue;
        if (pass < 2 && fs.junk[i]) continue;
        if (pass == 0 && duplicate(i)) continue;
        taken[i] = 1;
        out->sentences.push_back(i);
      }
    }
    std::sort(out->sentences.begin(), out->sentences.end());
  }
  AppendSummaryText(body, out->sentences, fs.dateline0_bytes, options.max_sentence_words,
                    &out->text);
}

void AppendSummaryText(const text::AnalyzedText& body, const std::vector<uint32_t>& sentences,
                       size_t dateline0_bytes, int max_words, std::string* out) {
  const absl::string_view text = body.text();
  const text::TokenVector& toks = body.tokens();
  for (uint32_t i : sentences) {
    const text::Sentence& s = body.sentences()[i];
    uint32_t begin = s.begin;
    if (i == 0) begin += static_cast<uint32_t>(dateline0_bytes);
    uint32_t end = s.end;
    bool cut = false;
    if (max_words > 0) {
      int words = 0;
      uint32_t word_end = 0, clause = 0;
      for (uint32_t t = s.token_begin; t < s.token_end; ++t) {
        const text::Token& tok = toks[t];
        if (tok.begin < begin) continue;
        if (text::IsWordLike(tok.kind)) {
          if (++words == max_words) word_end = tok.end;
          if (words > max_words) {
            cut = true;
            break;
          }
        } else if (tok.kind == text::TokenKind::kPunct && words >= max_words / 2 &&
                   IsClauseMark(body.surface(tok))) {
          clause = tok.begin;
        }
      }
      if (cut) end = clause > begin ? clause : word_end;
    }
    if (!out->empty()) out->push_back(' ');
    out->append(text.data() + begin, end - begin);
    if (cut) out->append(kEllipsis);
  }
}

void Summarizer::Keywords(Language lang, const text::AnalyzedText& title,
                          const text::AnalyzedText& body, int n, SummarizerScratch* scratch,
                          std::vector<std::string>* out) const {
  keywords_[static_cast<int>(lang)]->Extract(title, body, n, &scratch->keywords_, out);
}

}  // namespace summarize
}  // namespace qalam
