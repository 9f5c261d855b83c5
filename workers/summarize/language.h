// The languages the summariser has models for.
#ifndef QALAM_WORKERS_SUMMARIZE_LANGUAGE_H_
#define QALAM_WORKERS_SUMMARIZE_LANGUAGE_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace qalam {
namespace summarize {

enum class Language : uint8_t {
  kArabic = 0,
  kEnglish = 1,
};
inline constexpr int kNumLanguages = 2;

// "ar" or "en".
inline absl::string_view LanguageCode(Language lang) {
  return lang == Language::kArabic ? "ar" : "en";
}

// Parses "ar" / "en". Returns false for anything else.
inline bool ParseLanguage(absl::string_view code, Language* lang) {
  if (code == "ar") {
    *lang = Language::kArabic;
    return true;
  }
  if (code == "en") {
    *lang = Language::kEnglish;
    return true;
  }
  return false;
}

}  // namespace summarize
}  // namespace qalam

#endif  // QALAM_WORKERS_SUMMARIZE_LANGUAGE_H_
