#include "tools/langid/langid_builder.h"

#include <simdjson.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_macros.h"

namespace qalam {
namespace langid_build {
namespace {

namespace li = text::langid;

// ---------------------------------------------------------------- char table

bool IsLetter(UChar32 cp) {
  switch (u_charType(cp)) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      return true;
    default:
      return false;
  }
}

bool IsMark(UChar32 cp) {
  const int8_t t = u_charType(cp);
  return t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK || t == U_COMBINING_SPACING_MARK;
}

// Python's str.isspace(): category Zs, or bidi class WS, B or S. The
// prototype split text this way, so the format keeps that set.
bool IsPythonSpace(UChar32 cp) {
  const UCharDirection d = u_charDirection(cp);
  return u_charType(cp) == U_SPACE_SEPARATOR || d == U_WHITE_SPACE_NEUTRAL ||
         d == U_BLOCK_SEPARATOR || d == U_SEGMENT_SEPARATOR;
}

bool IsArabicRange(UChar32 cp) {
  return (cp >= 0x0600 && cp <= 0x06FF) || (cp >= 0x0750 && cp <= 0x077F) ||
         (cp >= 0x08A0 && cp <= 0x08FF) || (cp >= 0xFB50 && cp <= 0xFDFF) ||
         (cp >= 0xFE70 && cp <= 0xFEFF);
}

uint32_t Entry(uint32_t cls, uint32_t folded) { return (cls << 24) | folded; }

// Class and folded code point of one BMP code point (see langid_model.h).
uint32_t Classify(UChar32 cp, const icu::Normalizer2* nfkc) {
  if (IsPythonSpace(cp)) return Entry(li::kSpace, 0);
  if (cp >= 0xD800 && cp <= 0xDFFF) return Entry(li::kSep, 0);
  // Invisible and combining things that must not split a word: soft hyphen,
  // ZWJ, bidi marks and embeddings, BOM, tatweel.
  static constexpr UChar32 kInvisible[] = {0x00AD, 0x200D, 0x200E, 0x200F, 0x202A,
                                           0x202B, 0x202C, 0x202D, 0x202E, 0x2066,
                                           0x2067, 0x2068, 0x2069, 0xFEFF, 0x0640};
  if (std::find(std::begin(kInvisible), std::end(kInvisible), cp) != std::end(kInvisible)) {
    return Entry(li::kSkip, 0);
  }
  // Harakat, Quranic marks, hamza above/below.
  if ((cp >= 0x064B && cp <= 0x065F) || cp == 0x0670 || (cp >= 0x06D6 && cp <= 0x06ED) ||
      (cp >= 0x0610 && cp <= 0x061A)) {
    return Entry(li::kSkip, 0);
  }
  if (cp == 0x200C) return Entry(li::kSep, 0);  // ZWNJ: a morpheme break
  if (IsArabicRange(cp)) {
    if (cp >= 0xFB50) {
      // Presentation forms: NFKC, then the first letter (lam-alef -> lam).
      UErrorCode status = U_ZERO_ERROR;
      icu::UnicodeString n = nfkc->normalize(icu::UnicodeString(cp), status);
      if (U_SUCCESS(status)) {
        for (int32_t i = 0; i < n.length(); i = n.moveIndex32(i, 1)) {
          const UChar32 c = n.char32At(i);
          if (IsLetter(c)) return Entry(li::kArabic, static_cast<uint32_t>(c));
        }
      }
      return Entry(li::kSep, 0);
    }
    return IsLetter(cp) ? Entry(li::kArabic, static_cast<uint32_t>(cp)) : Entry(li::kSep, 0);
  }
  if (cp <= 0x024F || (cp >= 0x1E00 && cp <= 0x1EFF)) {
    if (!IsLetter(cp)) return Entry(li::kSep, 0);
    // Full lower-case mapping; a letter whose lower case is longer than one
    // code point (U+0130) stays as it is.
    icu::UnicodeString s(cp);
    s.toLower(icu::Locale::getRoot());
    const UChar32 low = s.countChar32() == 1 ? s.char32At(0) : cp;
    return Entry(li::kLatin, static_cast<uint32_t>(low));
  }
  if (IsLetter(cp)) return Entry(li::kOther, 0);
  if (IsMark(cp)) return Entry(li::kSkip, 0);
  return Entry(li::kSep, 0);
}

// ---------------------------------------------------------------- sinks

// Counts the n-grams of one script's words, optionally with the Persian
// keyboard spelling of Arabic letters.
struct NewsSink {
  static constexpr bool kOtherNgrams = false;
  static constexpr bool kCanStop = false;
  int want;
  bool persian_keyboard;
  uint32_t mask;
  std::vector<double>* counts;
  uint64_t ngrams = 0;

  uint32_t Map(uint32_t cls, uint32_t f) const {
    if (!persian_keyboard || cls != li::kArabic) return f;
    switch (f) {
      case 0x064A:      // yeh
      case 0x0649:      // alef maksura
        return 0x06CC;  // Farsi yeh
      case 0x0643:      // kaf
        return 0x06A9;  // keheh
      case 0x0647:      // heh
        return 0x06BE;  // heh doachashmee
      default:
        return f;
    }
  }
  void Letter(uint32_t) {}
  void Ngram(int script, bool, uint32_t h) {
    if (script != want) return;
    (*counts)[h & mask] += 1.0;
    ++ngrams;
  }
};

// Adds every n-gram of a list word, whatever its script, with a weight.
struct ListSink {
  static constexpr bool kOtherNgrams = true;
  static constexpr bool kCanStop = false;
  uint32_t mask;
  double weight;
  std::vector<double>* counts;

  uint32_t Map(uint32_t, uint32_t f) const { return f; }
  void Letter(uint32_t) {}
  void Ngram(int, bool, uint32_t h) { (*counts)[h & mask] += weight; }
};

// ---------------------------------------------------------------- helpers

// Splits on the format's whitespace (Python's str.split()).
std::vector<absl::string_view> SplitSpace(absl::string_view s) {
  std::vector<absl::string_view> out;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = p + s.size();
  while (p < end) {
    int n = li::SpaceLength(p, end);
    if (n > 0) {
      p += n;
      continue;
    }
    const unsigned char* e = p + 1;
    while (e < end && li::SpaceLength(e, end) == 0) ++e;
    out.emplace_back(reinterpret_cast<const char*>(p), static_cast<size_t>(e - p));
    p = e;
  }
  return out;
}

std::vector<absl::string_view> Lines(absl::string_view s) {
  std::vector<absl::string_view> out;
  while (!s.empty()) {
    size_t nl = s.find('\n');
    if (nl == absl::string_view::npos) nl = s.size();
    out.push_back(s.substr(0, nl));
    s.remove_prefix(std::min(s.size(), nl + 1));
  }
  return out;
}

bool IsArabicScriptOther(absl::string_view lang) {
  return lang == "fa" || lang == "ur" || lang == "ckb" || lang == "ps";
}

// The word spelled with Arabic yeh and kaf instead of the Persian ones.
std::string ArabicYehKaf(absl::string_view w) {
  return absl::StrReplaceAll(w, {{"\u06CC", "\u064A"}, {"\u06A9", "\u0643"}});
}

// log P(b) = log((c_b + alpha) / (N + alpha B)).
std::vector<double> LogProb(const std::vector<double>& c, double alpha) {
  double total = 0;
  for (double v : c) total += v;
  const double denom = total + alpha * static_cast<double>(c.size());
  std::vector<double> out(c.size());
  for (size_t i = 0; i < c.size(); ++i) out[i] = std::log((c[i] + alpha) / denom);
  return out;
}

// log((1 - mix) exp(a) + mix exp(b)), element-wise, into a.
void MixInto(std::vector<double>* a, const std::vector<double>& b, double mix) {
  for (size_t i = 0; i < a->size(); ++i) {
    (*a)[i] = std::log((1 - mix) * std::exp((*a)[i]) + mix * std::exp(b[i]));
  }
}

// Quantises the rows (one per language) into bucket-major uint8 codes.
template <size_t N>
void Quantise(const std::vector<std::vector<double>>& rows, std::array<float, N>* lo_out,
              std::array<float, N>* step_out, std::vector<uint8_t>* codes) {
  const size_t buckets = rows[0].size();
  codes->assign(buckets * N, 0);
  for (size_t l = 0; l < N; ++l) {
    const auto [mn, mx] = std::minmax_element(rows[l].begin(), rows[l].end());
    const double lo = *mn;
    const double step = (*mx - lo) / 255.0;
    for (size_t b = 0; b < buckets; ++b) {
      double q = step > 0 ? std::nearbyint((rows[l][b] - lo) / step) : 0.0;
      q = std::clamp(q, 0.0, 255.0);
      (*codes)[b * N + l] = static_cast<uint8_t>(q);
    }
    (*lo_out)[l] = static_cast<float>(lo);
    (*step_out)[l] = static_cast<float>(step);
  }
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::Status BuildCharTable(li::Model* model) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
  if (U_FAILURE(status)) {
    return absl::InternalError(absl::StrCat("ICU NFKC: ", u_errorName(status)));
  }
  std::vector<uint32_t> entries(0x10000);
  for (UChar32 cp = 0; cp < 0x10000; ++cp) {
    entries[static_cast<size_t>(cp)] = Classify(cp, nfkc);
    if (IsPythonSpace(cp) != li::IsSpaceCodePoint(static_cast<uint32_t>(cp))) {
      return absl::InternalError(absl::StrCat(
          "ICU's whitespace differs from the model format's at U+", absl::Hex(cp, absl::kZeroPad4),
          "; update langid::IsSpaceCodePoint and SpaceLength"));
    }
  }
  // Two levels: identical 256-entry pages are stored once, in order of
  // first use.
  model->pages.clear();
  absl::flat_hash_map<std::string, uint16_t> seen;
  for (size_t page = 0; page < 256; ++page) {
    const uint32_t* blk = entries.data() + page * 256;
    std::string key(reinterpret_cast<const char*>(blk), 256 * sizeof(uint32_t));
    auto [it, inserted] = seen.try_emplace(key, static_cast<uint16_t>(seen.size()));
    if (inserted) model->pages.insert(model->pages.end(), blk, blk + 256);
    model->page_index[page] = it->second;
  }
  return absl::OkStatus();
}

ModelBuilder::ModelBuilder(BuildOptions options) : options_(std::move(options)) {
  chars_status_ = BuildCharTable(&chars_);
  en_.assign(size_t{1} << options_.bits_lat, 0.0);
  ar_.assign(size_t{1} << options_.bits_ara, 0.0);
  ar_variant_.assign(size_t{1} << options_.bits_ara, 0.0);
}

void ModelBuilder::AddNews(Target target, absl::string_view title, absl::string_view text) {
  if (!chars_status_.ok()) return;
  const li::CharTable table(chars_);
  // Scanning title and then text is scanning title + "\n" + text.
  if (target == Target::kEnglish) {
    NewsSink sink{li::kLatin, false, (1u << options_.bits_lat) - 1, &en_};
    li::ScanText(table, title, &sink);
    li::ScanText(table, text, &sink);
    stats_.en_ngrams += sink.ngrams;
    ++stats_.en_articles;
  } else {
    NewsSink sink{li::kArabic, false, (1u << options_.bits_ara) - 1, &ar_};
    li::ScanText(table, title, &sink);
    li::ScanText(table, text, &sink);
    NewsSink variant{li::kArabic, true, (1u << options_.bits_ara) - 1, &ar_variant_};
    li::ScanText(table, title, &variant);
    li::ScanText(table, text, &variant);
    stats_.ar_ngrams += sink.ngrams;
    ++stats_.ar_articles;
  }
}

absl::Status ModelBuilder::AddListFiles(absl::string_view lang, absl::string_view words,
                                        absl::string_view sentences) {
  QALAM_RETURN_IF_ERROR(chars_status_);
  const bool latin =
      std::find_if(li::kLatinCodes.begin() + 1, li::kLatinCodes.end(),
                   [&](const char* c) { return lang == c; }) != li::kLatinCodes.end();
  const bool arabic = IsArabicScriptOther(lang);
  if (!latin && !arabic) {
    return absl::InvalidArgumentError(absl::StrCat("no list expected for language '", lang, "'"));
  }
  const std::string key(lang);
  if (lists_.count(key)) {
    return absl::InvalidArgumentError(absl::StrCat("list for '", lang, "' given twice"));
  }
  const uint32_t bits = latin ? options_.bits_lat : options_.bits_ara;
  std::vector<double> counts(size_t{1} << bits, 0.0);
  const li::CharTable table(chars_);
  auto add = [&](absl::string_view word, double weight) {
    ListSink sink{(1u << bits) - 1, weight, &counts};
    li::ScanText(table, word, &sink);
  };

  // Tiers in order of first appearance, each with its words in file order;
  // then every distinct word once, at its best (lowest) tier.
  std::vector<std::pair<int, std::vector<std::string>>> tiers;
  int tier = 0;
  int line_no = 0;
  for (absl::string_view line : Lines(words)) {
    ++line_no;
    std::vector<absl::string_view> toks = SplitSpace(line);
    if (toks.empty() || toks[0][0] == '#') continue;
    if (toks.size() == 1 && toks[0].size() == 3 && toks[0][0] == '[' && toks[0][2] == ']' &&
        toks[0][1] >= '0' && toks[0][1] <= '9') {
      tier = toks[0][1] - '0';
      if (tier < 1 || tier > 3) {
        return absl::InvalidArgumentError(
            absl::StrCat(lang, ".txt line ", line_no, ": tier ", tier, " (1..3 allowed)"));
      }
      continue;
    }
    if (tier == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(lang, ".txt line ", line_no, ": words before the first tier header"));
    }
    auto it =
        std::find_if(tiers.begin(), tiers.end(), [&](const auto& t) { return t.first == tier; });
    if (it == tiers.end()) it = tiers.insert(tiers.end(), {tier, {}});
    for (absl::string_view w : toks) it->second.emplace_back(w);
  }
  std::vector<std::pair<std::string, int>> best;
  absl::flat_hash_map<std::string, size_t> where;
  for (const auto& [t, ws] : tiers) {
    for (const std::string& w : ws) {
      auto [it, inserted] = where.try_emplace(w, best.size());
      if (inserted) {
        best.emplace_back(w, t);
      } else {
        best[it->second].second = std::min(best[it->second].second, t);
      }
    }
  }
  for (const auto& [w, t] : best) {
    const double weight = options_.tier_w[static_cast<size_t>(t - 1)];
    add(w, weight);
    if (arabic && options_.variant_w > 0) {
      const std::string v = ArabicYehKaf(w);
      if (v != w) add(v, weight * options_.variant_w);
    }
  }
  uint64_t sentence_words = 0;
  for (absl::string_view line : Lines(sentences)) {
    if (!line.empty() && line[0] == '#') continue;
    for (absl::string_view w : SplitSpace(line)) {
      add(w, options_.sent_w);
      ++sentence_words;
      if (arabic && options_.variant_w > 0) {
        const std::string v = ArabicYehKaf(w);
        if (v != w) add(v, options_.sent_w * options_.variant_w);
      }
    }
  }
  stats_.list_words[key] = best.size();
  stats_.sentence_words[key] = sentence_words;
  lists_[key] = std::move(counts);
  return absl::OkStatus();
}

absl::StatusOr<li::Model> ModelBuilder::Build() const {
  if (!chars_status_.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("char table: ", chars_status_.message()));
  }
  if (stats_.en_ngrams == 0 || stats_.ar_ngrams == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("no news n-grams for ", stats_.en_ngrams == 0 ? "en" : "ar",
                     " (give the train splits of the news tasks)"));
  }
  for (size_t i = 1; i < li::kLatinCodes.size(); ++i) {
    if (!lists_.count(li::kLatinCodes[i])) {
      return absl::FailedPreconditionError(absl::StrCat("no list for ", li::kLatinCodes[i]));
    }
  }
  for (size_t i = 1; i < li::kArabicCodes.size(); ++i) {
    if (!lists_.count(li::kArabicCodes[i])) {
      return absl::FailedPreconditionError(absl::StrCat("no list for ", li::kArabicCodes[i]));
    }
  }
  const BuildOptions& o = options_;
  li::Model m;
  m.bits_lat = o.bits_lat;
  m.bits_ara = o.bits_ara;
  m.params = o.params;
  m.page_index = chars_.page_index;
  m.pages = chars_.pages;

  // Latin: en from the news; the others from the lists, mixed with en.
  {
    std::vector<std::vector<double>> rows;
    rows.push_back(LogProb(en_, o.alpha_news));
    for (size_t i = 1; i < li::kLatinCodes.size(); ++i) {
      std::vector<double> lp = LogProb(lists_.at(li::kLatinCodes[i]), o.alpha_list);
      if (o.mix_lat > 0) MixInto(&lp, rows[0], o.mix_lat);
      rows.push_back(std::move(lp));
    }
    Quantise(rows, &m.lo_lat, &m.step_lat, &m.lat);
  }
  // Arabic script: ar from the news (with the Persian-keyboard variant).
  {
    std::vector<std::vector<double>> rows;
    rows.push_back(LogProb(ar_, o.alpha_news));
    if (o.ar_var > 0) MixInto(&rows[0], LogProb(ar_variant_, o.alpha_news), o.ar_var);
    for (size_t i = 1; i < li::kArabicCodes.size(); ++i) {
      rows.push_back(LogProb(lists_.at(li::kArabicCodes[i]), o.alpha_list));
    }
    Quantise(rows, &m.lo_ara, &m.step_ara, &m.ara);
  }
  return m;
}

absl::Status AddNewsFile(const std::string& path, Target target, ModelBuilder* builder) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open news file ", path));
  simdjson::dom::parser parser;
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    simdjson::dom::element doc;
    if (auto err = parser.parse(line).get(doc); err) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": ", simdjson::error_message(err)));
    }
    std::string_view text, title;
    if (doc["text"].get_string().get(text)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no, ": no string `text`"));
    }
    if (doc["title"].get_string().get(title)) title = {};  // missing or null
    builder->AddNews(target, absl::string_view(title.data(), title.size()),
                     absl::string_view(text.data(), text.size()));
  }
  return absl::OkStatus();
}

absl::Status AddListDir(const std::string& dir, ModelBuilder* builder) {
  std::vector<const char*> langs(li::kLatinCodes.begin() + 1, li::kLatinCodes.end());
  langs.insert(langs.end(), li::kArabicCodes.begin() + 1, li::kArabicCodes.end());
  for (const char* lang : langs) {
    QALAM_ASSIGN_OR_RETURN(std::string words, ReadFile(absl::StrCat(dir, "/", lang, ".txt")));
    auto sentences = ReadFile(absl::StrCat(dir, "/", lang, ".sent.txt"));
    QALAM_RETURN_IF_ERROR(
        builder->AddListFiles(lang, words, sentences.ok() ? *sentences : std::string()));
  }
  return absl::OkStatus();
}

}  // namespace langid_build
}  // namespace qalam
