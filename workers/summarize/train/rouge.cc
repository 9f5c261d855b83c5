#include "workers/summarize/train/rouge.h"

#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "common/hash.h"

namespace qalam {
namespace summarize {
namespace {

bool IsTokenChar(UChar32 c) {
  switch (u_charType(c)) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
      return true;
    default:
      return false;
  }
}

// rouge.py's Arabic table; -1 drops the character.
UChar32 MapArabic(UChar32 c) {
  if ((c >= 0x064B && c <= 0x0652) || c == 0x0670 || c == 0x0640) return -1;
  if (c == 0x0623 || c == 0x0625 || c == 0x0622 || c == 0x0671) return 0x0627;
  if (c == 0x0649) return 0x064A;
  if (c == 0x0629) return 0x0647;
  return c;
}

template <typename Emit>
void Tokenize(absl::string_view text, Emit emit) {
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  s.toLower(icu::Locale::getRoot());
  std::string tok;
  for (int32_t i = 0; i < s.length();) {
    UChar32 c = MapArabic(s.char32At(i));
    i += U16_LENGTH(s.char32At(i));
    if (c < 0) continue;  // dropped: joins its neighbours, as str.translate does
    if (IsTokenChar(c)) {
      char buf[4];
      int n = 0;
      if (c < 0x80) {
        buf[n++] = static_cast<char>(c);
      } else if (c < 0x800) {
        buf[n++] = static_cast<char>(0xC0 | (c >> 6));
        buf[n++] = static_cast<char>(0x80 | (c & 0x3F));
      } else if (c < 0x10000) {
        buf[n++] = static_cast<char>(0xE0 | (c >> 12));
        buf[n++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        buf[n++] = static_cast<char>(0x80 | (c & 0x3F));
      } else {
        buf[n++] = static_cast<char>(0xF0 | (c >> 18));
        buf[n++] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        buf[n++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        buf[n++] = static_cast<char>(0x80 | (c & 0x3F));
      }
      tok.append(buf, static_cast<size_t>(n));
    } else if (!tok.empty()) {
      emit(tok);
      tok.clear();
    }
  }
  if (!tok.empty()) emit(tok);
}

double F1(double overlap, double pred_total, double ref_total) {
  const double p = overlap / std::max(pred_total, 1.0);
  const double r = overlap / std::max(ref_total, 1.0);
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

uint64_t GramKey(const std::vector<uint64_t>& t, size_t i, int n) {
  uint64_t h = t[i];
  for (int j = 1; j < n; ++j) h = HashCombine(h, t[i + j]);
  return h;
}

// Clipped overlap of `pred`'s n-grams with the counts in `ref_counts`
// (consumed on a copy).
double Overlap(const absl::flat_hash_map<uint64_t, int>& ref_counts,
               const std::vector<uint64_t>& pred, int n) {
  if (pred.size() < static_cast<size_t>(n)) return 0;
  absl::flat_hash_map<uint64_t, int> left = ref_counts;
  double overlap = 0;
  for (size_t i = 0; i + n <= pred.size(); ++i) {
    auto it = left.find(GramKey(pred, i, n));
    if (it != left.end() && it->second > 0) {
      --it->second;
      ++overlap;
    }
  }
  return overlap;
}

absl::flat_hash_map<uint64_t, int> Counts(const std::vector<uint64_t>& t, int n) {
  absl::flat_hash_map<uint64_t, int> c;
  for (size_t i = 0; i + n <= t.size(); ++i) ++c[GramKey(t, i, n)];
  return c;
}

size_t Grams(const std::vector<uint64_t>& t, int n) {
  return t.size() >= static_cast<size_t>(n) ? t.size() - n + 1 : 0;
}

}  // namespace

std::vector<uint64_t> RougeTokens(absl::string_view text) {
  std::vector<uint64_t> out;
  Tokenize(text, [&out](const std::string& t) { out.push_back(Hash64(t)); });
  return out;
}

std::vector<std::string> RougeTokenStrings(absl::string_view text) {
  std::vector<std::string> out;
  Tokenize(text, [&out](const std::string& t) { out.push_back(t); });
  return out;
}

double RougeN(const std::vector<uint64_t>& ref, const std::vector<uint64_t>& pred, int n) {
  return F1(Overlap(Counts(ref, n), pred, n), static_cast<double>(Grams(pred, n)),
            static_cast<double>(Grams(ref, n)));
}

double RougeL(const std::vector<uint64_t>& ref, const std::vector<uint64_t>& pred) {
  if (ref.empty() || pred.empty()) return 0;
  const std::vector<uint64_t>& a = ref.size() >= pred.size() ? ref : pred;
  const std::vector<uint64_t>& b = ref.size() >= pred.size() ? pred : ref;
  std::vector<uint32_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  for (uint64_t x : a) {
    cur[0] = 0;
    for (size_t j = 0; j < b.size(); ++j) {
      cur[j + 1] = x == b[j] ? prev[j] + 1 : std::max(prev[j + 1], cur[j]);
    }
    std::swap(prev, cur);
  }
  const double lcs = prev[b.size()];
  const double p = lcs / pred.size(), r = lcs / ref.size();
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

RougeScores Rouge(const std::vector<uint64_t>& ref, const std::vector<uint64_t>& pred) {
  return RougeScores{RougeN(ref, pred, 1), RougeN(ref, pred, 2), RougeL(ref, pred)};
}

std::vector<uint32_t> GreedyOracle(const std::vector<std::vector<uint64_t>>& sentences,
                                   const std::vector<uint64_t>& ref, int k) {
  const auto ref1 = Counts(ref, 1);
  const auto ref2 = Counts(ref, 2);
  const double ref_grams1 = static_cast<double>(Grams(ref, 1));
  const double ref_grams2 = static_cast<double>(Grams(ref, 2));
  std::vector<uint32_t> chosen;
  std::vector<uint64_t> pred;
  double best = 0;
  while (static_cast<int>(chosen.size()) < k) {
    int cand = -1;
    for (uint32_t i = 0; i < sentences.size(); ++i) {
      if (std::find(chosen.begin(), chosen.end(), i) != chosen.end()) continue;
      std::vector<uint32_t> idx = chosen;
      idx.push_back(i);
      std::sort(idx.begin(), idx.end());
      pred.clear();
      for (uint32_t j : idx) pred.insert(pred.end(), sentences[j].begin(), sentences[j].end());
      const double v = F1(Overlap(ref1, pred, 1), static_cast<double>(Grams(pred, 1)), ref_grams1) +
                       F1(Overlap(ref2, pred, 2), static_cast<double>(Grams(pred, 2)), ref_grams2);
      if (v > best + 1e-12) {
        best = v;
        cand = static_cast<int>(i);
      }
    }
    if (cand < 0) break;
    chosen.push_back(static_cast<uint32_t>(cand));
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace summarize
}  // namespace qalam
