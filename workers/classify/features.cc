#include "workers/classify/features.h"

#include <cmath>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/hash.h"
#include "workers/text/char_info.h"
#include "workers/text/stemmer.h"
#include "workers/text/normalizer.h"
#include "workers/text/utf8.h"

namespace qalam {
namespace classify {
namespace {

using text::AnalyzedText;
using text::Token;
using text::TokenKind;

// Family seeds (part of the model format).
constexpr uint64_t kSeedWord = 0x71A1A3C1A55F0001ULL;
constexpr uint64_t kSeedStem = 0x71A1A3C1A55F0002ULL;
constexpr uint64_t kSeedBigram = 0x71A1A3C1A55F0003ULL;
constexpr uint64_t kSeedPunct = 0x71A1A3C1A55F0009ULL;

enum FamilyIndex { kWordIdx = 0, kStemIdx = 1, kBigramIdx = 2, kPunctIdx = 3 };

struct TfTable {
  float v[256];
  TfTable() {
    v[0] = 0.0f;
    for (int c = 1; c < 256; ++c) v[c] = static_cast<float>(1.0 + std::log(static_cast<double>(c)));
  }
};
const TfTable kTfTable;

// The recipe's stop words (qalam's classification prototype, qtok.py):
// English function words plus said/says/mr/mrs/ms and the fragments s, t,
// don; Arabic function words in normalised form, with the lone letters
// و ف ب ك ل. Shorter than the text core's list (workers/text/stopwords.h),
// which also drops reporting verbs, weekdays, number words and news filler
// for the summariser: for topics those words carry signal (measured on
// ar-multi: the text core's list costs about 0.5 points of macro-F1).
constexpr char kStopWords[] =
    "a about above after again against all also am an and any are as at be "
    "because been before being below between both but by can could did do does doing down "
    "during each few for from further had has have having he her here hers herself him "
    "himself his how i if in into is it its itself just me more most my myself no nor not "
    "now of off on once only or other our ours ourselves out over own same she should so "
    "some such than that the their theirs them themselves then there these they this those "
    "through to too under until up very was we were what when where which while who whom "
    "why will with would you your yours yourself yourselves s t don said says mr mrs ms "
    "في من على الى إلى عن مع هذا هذه ذلك تلك التي الذي الذين اللذين اللتين اللاتي ان أن إن "
    "كان كانت يكون تكون قد لقد لا لم لن ما ماذا هل او أو ثم بل لكن حتى اذا إذا كما كل بعض "
    "غير بين عند عندما منذ خلال بعد قبل حول ضد نحو لدى هو هي هم هما هن انا نحن انت انتم "
    "أنه انه أنها انها إنه إنها وقد وهو وهي وكان وكانت وفي ومن وعلى والى وإلى وعن ومع وان وأن "
    "وإن ولا ولم ولن وما او فى ذات أي اي أيضا ايضا كذلك فيه فيها منه منها عليه عليها اليه "
    "إليه له لها لهم به بها بهم فقط حيث اين أين كيف متى لماذا تم يتم وتم التى الذى عليهم "
    "منهم فيهم وذلك هناك هنا الا إلا سوى عبر اما أما فان فإن لان لأن كي لكي و ف ب ك ل";

// The stop words' Hash64 of their normalised forms, in an open-addressing
// table probed with the hash's low bits (uniform: it is a hash): one or two
// loads per token.
class StopSet {
 public:
  StopSet() {
    std::memset(slots_, 0, sizeof(slots_));
    const text::Normalizer normalizer;
    std::string norm;
    for (absl::string_view w : absl::StrSplit(kStopWords, ' ', absl::SkipEmpty())) {
      norm.clear();
      normalizer.Normalize(w, &norm);
      const uint64_t h = Hash64(norm);
      uint32_t i = static_cast<uint32_t>(h) & kMask;
      while (slots_[i] != 0 && slots_[i] != h) i = (i + 1) & kMask;
      slots_[i] = h;
    }
  }
  bool Contains(uint64_t h) const {
    uint32_t i = static_cast<uint32_t>(h) & kMask;
    for (;;) {
      const uint64_t s = slots_[i];
      if (s == h) return h != 0;
      if (s == 0) return false;
      i = (i + 1) & kMask;
    }
  }

 private:
  static constexpr uint32_t kSlots = 2048;  // > 4x the ~250 words
  static constexpr uint32_t kMask = kSlots - 1;
  uint64_t slots_[kSlots];
};
const StopSet kStopSet;

// The stem hash of a word given as a normalised form (a hashtag's part).
uint64_t StemHashOf(absl::string_view norm, uint64_t norm_hash) {
  if (norm.empty()) return norm_hash;
  const unsigned char c = static_cast<unsigned char>(norm[0]);
  text::StemSpan s{0, static_cast<uint32_t>(norm.size())};
  if (c >= 0xD8 && c <= 0xDB) {
    s = text::StemArabic(norm);
  } else if (c >= 'a' && c <= 'z') {
    s = text::StemEnglish(norm);
  }
  if (s.skip == 0 && s.len == norm.size()) return norm_hash;
  return Hash64(norm.data() + s.skip, s.len);
}

}  // namespace

absl::Status ValidateFeatureOptions(const FeatureOptions& options) {
  if (options.bits < kMinBits || options.bits > kMaxBits) {
    return absl::InvalidArgumentError(absl::StrCat("feature bits must be in [", kMinBits, ", ",
                                                   kMaxBits, "], got ", options.bits));
  }
  if (options.families == 0 || (options.families & ~kAllFamilies) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("feature families must be a non-empty subset of word,stem,bigram,punct "
                     "(mask ",
                     options.families, ")"));
  }
  return absl::OkStatus();
}

std::string FamiliesToString(uint32_t families) {
  std::string out;
  const char* names[] = {"word", "stem", "bigram", "punct"};
  for (int i = 0; i < 4; ++i) {
    if (families & (1u << i)) {
      if (!out.empty()) out.push_back(',');
      out.append(names[i]);
    }
  }
  return out;
}

void FeatureScratch::Reset(size_t expected) {
  size_t cap = slots_.empty() ? 4096 : slots_.size();
  while (cap < 2 * expected) cap *= 2;
  if (cap != slots_.size()) {
    slots_.assign(cap, Slot{kEmpty, {0, 0, 0, 0}});
    mask_ = static_cast<uint32_t>(cap - 1);
  }
  used_.clear();
}

void FeatureScratch::Grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  std::vector<uint32_t> old_used;
  old_used.swap(used_);
  const size_t cap = old.size() * 2;
  slots_.assign(cap, Slot{kEmpty, {0, 0, 0, 0}});
  mask_ = static_cast<uint32_t>(cap - 1);
  used_.reserve(old_used.size() * 2);
  for (uint32_t i : old_used) {
    uint32_t j = old[i].bucket & mask_;
    while (slots_[j].bucket != kEmpty) j = (j + 1) & mask_;
    slots_[j] = old[i];
    used_.push_back(j);
  }
}

FeatureExtractor::FeatureExtractor(FeatureOptions options)
    : options_(options), shift_(64 - options.bits) {}

float FeatureExtractor::SublinearTf(uint32_t count) {
  if (count < 256) return kTfTable.v[count];
  return static_cast<float>(1.0 + std::log(static_cast<double>(count)));
}

void FeatureExtractor::AddText(const AnalyzedText& doc, FeatureScratch* s) const {
  const uint32_t families = options_.families;
  const bool want_word = families & kFamilyWord;
  const bool want_stem = families & kFamilyStem;
  const bool want_bigram = families & kFamilyBigram;
  const bool want_punct = families & kFamilyPunct;
  const unsigned char* const text = reinterpret_cast<const unsigned char*>(doc.text().data());

  // Counts one occurrence of feature hash `h` in family `f`. The bucket is
  // the top `bits` bits of the hash; the slot its low bits (the bucket's
  // bits are uniformly distributed, so they index the scratch table as
  // well as a second hash would).
  auto add = [&](uint64_t h, int f) {
    const uint32_t b = static_cast<uint32_t>(h >> shift_);
    if (s->used_.size() * 2 >= s->slots_.size()) s->Grow();
    uint32_t i = b & s->mask_;
    for (;;) {
      FeatureScratch::Slot& slot = s->slots_[i];
      if (slot.bucket == b) {
        ++slot.count[f];
        return;
      }
      if (slot.bucket == FeatureScratch::kEmpty) {
        slot.bucket = b;
        ++slot.count[f];
        s->used_.push_back(i);
        return;
      }
      i = (i + 1) & s->mask_;
    }
  };
  // Punctuation and symbol characters of text[begin, end).
  auto add_punct = [&](uint32_t begin, uint32_t end) {
    const unsigned char* p = text + begin;
    const unsigned char* e = text + end;
    while (p < e) {
      const unsigned char c = *p;
      if (c < 0x80) {
        const bool alnum = static_cast<unsigned char>((c | 0x20) - 'a') < 26 ||
                           static_cast<unsigned char>(c - '0') < 10;
        if (!alnum && c > ' ') add(HashCombine(kSeedPunct, c), kPunctIdx);
        ++p;
        continue;
      }
      int len;
      const uint32_t cp = text::DecodeUtf8(p, &len);
      if (p + len > e) break;  // invalid UTF-8 (REQUIRES says valid): stop safely
      if (text::GetCharInfo(cp).flags & (text::kCharPunct | text::kCharSymbol)) {
        add(HashCombine(kSeedPunct, cp), kPunctIdx);
      }
      p += len;
    }
  };

  bool have_prev = false;
  uint64_t prev = 0;
  auto add_word = [&](uint64_t norm_hash, uint64_t stem_hash) {
    if (want_word) add(HashCombine(kSeedWord, norm_hash), kWordIdx);
    if (want_stem) add(HashCombine(kSeedStem, stem_hash), kStemIdx);
    if (want_bigram && have_prev) {
      add(HashCombine(HashCombine(kSeedBigram, prev), norm_hash), kBigramIdx);
    }
    prev = norm_hash;
    have_prev = true;
  };

  for (const Token& t : doc.tokens()) {
    if (!text::IsWordLike(t.kind)) {
      if (want_punct) add_punct(t.begin, t.end);
      continue;
    }
    if (t.kind == TokenKind::kWord) {
      // Latin words may hold an apostrophe (don't), dotted ones periods
      // (U.S.); Arabic words hold letters and marks only.
      if (want_punct && (t.flags & (text::kTokLatin | text::kTokDotted))) {
        add_punct(t.begin, t.end);
      }
      if (!kStopSet.Contains(t.norm_hash)) add_word(t.norm_hash, t.stem_hash);
      continue;
    }
    if (want_punct) add_punct(t.begin, t.end);
    if (t.kind == TokenKind::kHashtag || t.kind == TokenKind::kMention) {
      // The parts of #a_b or @a_b, each a word. The normalised form keeps
      // the leading '#'/'@' (one byte) and the '_' separators.
      const absl::string_view norm = doc.norm(t);
      size_t i = 1;
      while (i < norm.size()) {
        size_t j = norm.find('_', i);
        if (j == absl::string_view::npos) j = norm.size();
        if (j > i) {
          const absl::string_view part = norm.substr(i, j - i);
          const uint64_t h = Hash64(part.data(), part.size());
          if (!kStopSet.Contains(h)) add_word(h, StemHashOf(part, h));
        }
        i = j + 1;
      }
      continue;
    }
    // Numbers, URLs, e-mail addresses: one word each.
    if (!kStopSet.Contains(t.norm_hash)) add_word(t.norm_hash, t.stem_hash);
  }
}

void FeatureExtractor::Extract(const AnalyzedText& title, const AnalyzedText& body,
                               FeatureScratch* scratch, std::vector<BucketTf>* out) const {
  scratch->Reset(3 * (title.tokens().size() + body.tokens().size()));
  AddText(title, scratch);
  AddText(body, scratch);
  out->clear();
  out->reserve(scratch->used_.size());
  for (uint32_t i : scratch->used_) {
    FeatureScratch::Slot& slot = scratch->slots_[i];
    float tf = 0;
    for (int f = 0; f < 4; ++f) {
      if (slot.count[f] != 0) tf += SublinearTf(slot.count[f]);
    }
    out->push_back(BucketTf{slot.bucket, tf});
    slot = FeatureScratch::Slot{FeatureScratch::kEmpty, {0, 0, 0, 0}};
  }
  scratch->used_.clear();
}

}  // namespace classify
}  // namespace qalam
