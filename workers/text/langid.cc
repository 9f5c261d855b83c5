#include "workers/text/langid.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/model_path.h"
#include "common/status_macros.h"

namespace qalam {
namespace text {

using langid::kArabic;
using langid::kArabicLanguages;
using langid::kLatin;
using langid::kLatinLanguages;
using langid::kOther;

const char* LanguageCode(Language lang) {
  switch (lang) {
    case Language::kArabic:
      return "ar";
    case Language::kEnglish:
      return "en";
    case Language::kUndetermined:
      break;
  }
  return "und";
}

// The per-call state of Identify, on the stack, and the sink of the text
// pass. Sums of uint8 codes are kept apart for n-grams of lower-case and of
// capitalised words, and weighted once at the end: the inner loop is then
// one table row of plain adds per n-gram, with no multiply.
struct LanguageIdentifier::Accumulator {
  static constexpr bool kOtherNgrams = false;
  static constexpr bool kCanStop = true;

  const LanguageIdentifier* id;
  const uint8_t* lat;
  const uint8_t* ara;
  uint32_t mask_lat;
  uint32_t mask_ara;
  uint64_t letters[5] = {0, 0, 0, 0, 0};    // by CharClass
  uint64_t q_lat[2][kLatinLanguages] = {};  // [cap][language]
  uint64_t q_ara[2][kArabicLanguages] = {};
  uint64_t n_lat[2] = {0, 0};  // n-grams, [cap]
  uint64_t n_ara[2] = {0, 0};
  // The early exit: the scored n-gram count at which the decision is next
  // taken on the text so far.
  uint64_t next_check = kStopMinNgrams;

  uint32_t Map(uint32_t /*cls*/, uint32_t folded) const { return folded; }
  void Letter(uint32_t cls) { ++letters[cls]; }
  void Ngram(int script, bool cap, uint32_t hash) {
    // The 7 (or 5) codes of one bucket are adjacent: one cache line at most.
    if (script == kLatin) {
      const uint8_t* row = lat + static_cast<size_t>(hash & mask_lat) * kLatinLanguages;
      uint64_t* q = q_lat[cap];
      for (int l = 0; l < kLatinLanguages; ++l) q[l] += row[l];
      ++n_lat[cap];
    } else {
      const uint8_t* row = ara + static_cast<size_t>(hash & mask_ara) * kArabicLanguages;
      uint64_t* q = q_ara[cap];
      for (int l = 0; l < kArabicLanguages; ++l) q[l] += row[l];
      ++n_ara[cap];
    }
  }
  // Called by the pass after each chunk: true once the text so far is
  // decisively ar or en (the early exit of langid.h). The test is one
  // compare per chunk; Decide runs at most once per kStopCheckEvery n-grams.
  bool Stop() {
    const uint64_t scored = n_lat[0] + n_lat[1] + n_ara[0] + n_ara[1];
    if (scored < next_check) return false;
    next_check = scored + kStopCheckEvery;
    const LanguageResult r = id->Decide(*this);
    return r.lang != Language::kUndetermined && r.confidence >= kStopConfidence;
  }
};

LanguageIdentifier::LanguageIdentifier(langid::Model model)
    : model_(std::move(model)),
      chars_(model_),
      mask_lat_((1u << model_.bits_lat) - 1),
      mask_ara_((1u << model_.bits_ara) - 1) {}

std::unique_ptr<LanguageIdentifier> LanguageIdentifier::FromModel(langid::Model model) {
  return std::unique_ptr<LanguageIdentifier>(new LanguageIdentifier(std::move(model)));
}

absl::StatusOr<std::unique_ptr<LanguageIdentifier>> LanguageIdentifier::FromBytes(
    absl::string_view bytes) {
  QALAM_ASSIGN_OR_RETURN(langid::Model model, langid::ParseModel(bytes));
  return FromModel(std::move(model));
}

absl::StatusOr<std::unique_ptr<LanguageIdentifier>> LanguageIdentifier::Load(
    const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int err = errno;
    std::string msg = absl::StrCat("langid model ", path, ": ", std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(msg);
    if (err == EACCES) return absl::PermissionDeniedError(msg);
    return absl::InternalError(msg);
  }
  std::string bytes;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) bytes.append(buf, n);
  const bool read_error = std::ferror(f) != 0;
  std::fclose(f);
  if (read_error) return absl::DataLossError(absl::StrCat("langid model ", path, ": read error"));
  auto model = langid::ParseModel(bytes);
  if (!model.ok()) {
    return absl::Status(model.status().code(),
                        absl::StrCat("langid model ", path, ": ", model.status().message()));
  }
  return FromModel(*std::move(model));
}

absl::StatusOr<std::string> LanguageIdentifier::DefaultModelPath() {
  return FindBundledModel("langid.bin");
}

LanguageResult LanguageIdentifier::Identify(absl::string_view text) const {
  Accumulator acc{this, model_.lat.data(), model_.ara.data(), mask_lat_, mask_ara_};
  langid::ScanText(chars_, text, &acc);
  return Decide(acc);
}

LanguageResult LanguageIdentifier::IdentifyArticle(absl::string_view title,
                                                   absl::string_view text) const {
  // A scan ends its last word and chunk at the end of its input, so scanning
  // the title and then the text is scanning "title\ntext".
  Accumulator acc{this, model_.lat.data(), model_.ara.data(), mask_lat_, mask_ara_};
  if (!langid::ScanText(chars_, title, &acc)) langid::ScanText(chars_, text, &acc);
  return Decide(acc);
}

LanguageResult LanguageIdentifier::Decide(const Accumulator& acc) const {
  const langid::Params& p = model_.params;
  LanguageResult r;
  const double wl = static_cast<double>(acc.letters[kLatin]);
  const double wa = static_cast<double>(acc.letters[kArabic]) * p.ara_letter_w;
  const double wo = static_cast<double>(acc.letters[kOther]);
  const double tot = wl + wa + wo;
  if (tot == 0) return r;
  if (wo > wl && wo > wa) {  // another script dominates
    r.confidence = wo / tot;
    return r;
  }
  const bool ara = wa >= wl;
  if ((ara ? acc.letters[kArabic] : acc.letters[kLatin]) < p.min_letters) return r;

  // Weighted sums: S_l = N * lo_l + step_l * Q_l, with Q_l the weighted sum
  // of the codes and N the weighted n-gram count.
  const int langs = ara ? kArabicLanguages : kLatinLanguages;
  const float* lo = ara ? model_.lo_ara.data() : model_.lo_lat.data();
  const float* step = ara ? model_.step_ara.data() : model_.step_lat.data();
  const uint64_t* q_low = ara ? acc.q_ara[0] : acc.q_lat[0];
  const uint64_t* q_cap = ara ? acc.q_ara[1] : acc.q_lat[1];
  const uint64_t* n = ara ? acc.n_ara : acc.n_lat;
  const double big_n = static_cast<double>(n[0] * p.w_lower + n[1] * p.w_cap);
  if (big_n == 0) return r;
  auto score = [&](int l) {
    const double q = static_cast<double>(q_low[l] * p.w_lower + q_cap[l] * p.w_cap);
    return big_n * lo[l] + step[l] * q;
  };
  const double s0 = score(0);
  double best = -1e300;
  for (int l = 1; l < langs; ++l) best = std::max(best, score(l));

  const double ngrams = big_n / p.w_lower;  // in units of lower-case n-grams
  const double margin = (s0 - best) / big_n;
  const double theta = ara ? p.theta_ara : p.theta_lat;
  const double slope = ara ? p.slope_ara : p.slope_lat;
  double z = slope * (margin - theta) * std::sqrt(std::min<double>(ngrams, p.n0) / p.n_ref);
  z = std::clamp(z, -50.0, 50.0);
  const double pt = 1.0 / (1.0 + std::exp(-z));
  r.margin = margin;
  r.ngrams = ngrams;
  if (pt >= 0.5) {
    // Another script holding more than half of the weighted letters lowers
    // the confidence in proportion.
    const double purity = (ara ? wa : wl) / tot;
    r.lang = ara ? Language::kArabic : Language::kEnglish;
    r.confidence = pt * std::min(1.0, purity / 0.5);
  } else {
    r.confidence = 1.0 - pt;
  }
  return r;
}

}  // namespace text
}  // namespace qalam
