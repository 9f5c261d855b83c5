#include "workers/summarize/features.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_join.h"
#include "common/hash.h"
#include "workers/summarize/terms.h"
#include "workers/summarize/text_cues.h"

namespace qalam {
namespace summarize {

const char* const kFeatureNames[kNumFeatures] = {
    "is_first",
    "is_second",
    "is_third",
    "inv_pos",
    "rel_pos",
    "para_first",
    "inv_para",
    "in_first_para",
    "sent_in_para_inv",
    "log_words",
    "short_lt8",
    "long_gt40",
    "words_rank",
    "title_rec",
    "title_prec",
    "centroid_cos",
    "centrality",
    "centrality_rank",
    "sumbasic",
    "sumbasic_rank",
    "tfidf_sum_norm",
    "content_ratio",
    "has_digit",
    "quote_frac",
    "starts_quote",
    "ends_colon",
    "is_question",
    "dateline",
    "boiler",
    "no_terminal",
    "cent_x_first",
    "title_x_first",
    "title_rank",
    "first_x_bad",
    "first_x_short",
    "relpos_b1",
    "relpos_b2",
    "relpos_b3",
    "relpos_b4",
    "said",
    "spp_x_centrality",
    "spp_x_words_rank",
    "spp_x_inv_pos",
    "spp_x_is_first",
    "spp_x_inv_para",
    "spp_x_in_first_para",
    "spp_x_sumbasic_rank",
    "spp_x_centroid_cos",
    "spp_x_log_words",
    "spp_x_rel_pos",
    "spp_x_title_rec",
};

std::string FeatureSetSignature() {
  return absl::StrJoin(kFeatureNames, kFeatureNames + kNumFeatures, ",");
}

namespace {

using text::Token;
using text::TokenVector;
using text::TokenKind;

enum Feature {
  kIsFirst,
  kIsSecond,
  kIsThird,
  kInvPos,
  kRelPos,
  kParaFirst,
  kInvPara,
  kInFirstPara,
  kSentInParaInv,
  kLogWords,
  kShortLt8,
  kLongGt40,
  kWordsRank,
  kTitleRec,
  kTitlePrec,
  kCentroidCos,
  kCentrality,
  kCentralityRank,
  kSumbasic,
  kSumbasicRank,
  kTfidfSumNorm,
  kContentRatio,
  kHasDigit,
  kQuoteFrac,
  kStartsQuote,
  kEndsColon,
  kIsQuestion,
  kDateline,
  kBoiler,
  kNoTerminal,
  kCentXFirst,
  kTitleXFirst,
  kTitleRank,
  kFirstXBad,
  kFirstXShort,
  kRelposB1,
  kRelposB2,
  kRelposB3,
  kRelposB4,
  kSaid,
  kSppXCentrality,
  kSppXWordsRank,
  kSppXInvPos,
  kSppXIsFirst,
  kSppXInvPara,
  kSppXInFirstPara,
  kSppXSumbasicRank,
  kSppXCentroidCos,
  kSppXLogWords,
  kSppXRelPos,
  kSppXTitleRec,
  kFeatureCount,
};
static_assert(kFeatureCount == kNumFeatures, "feature enum and names disagree");

// Words that mark reported speech: said says told (and "according to");
// قال أضاف أكد with their feminine and و- forms, وفقا, بحسب (normalised).
class SaidWords {
 public:
  SaidWords() {
    for (const char* w :
         {"said", "says", "told", "\xD9\x82\xD8\xA7\xD9\x84", "\xD9\x82\xD8\xA7\xD9\x84\xD8\xAA",
          "\xD9\x88\xD9\x82\xD8\xA7\xD9\x84", "\xD9\x88\xD9\x82\xD8\xA7\xD9\x84\xD8\xAA",
          "\xD8\xA7\xD8\xB6\xD8\xA7\xD9\x81", "\xD8\xA7\xD8\xB6\xD8\xA7\xD9\x81\xD8\xAA",
          "\xD9\x88\xD8\xA7\xD8\xB6\xD8\xA7\xD9\x81",
          "\xD9\x88\xD8\xA7\xD8\xB6\xD8\xA7\xD9\x81\xD8\xAA", "\xD8\xA7\xD9\x83\xD8\xAF",
          "\xD8\xA7\xD9\x83\xD8\xAF\xD8\xAA", "\xD9\x88\xD8\xA7\xD9\x83\xD8\xAF",
          "\xD9\x88\xD8\xA7\xD9\x83\xD8\xAF\xD8\xAA", "\xD9\x88\xD9\x81\xD9\x82\xD8\xA7",
          "\xD8\xA8\xD8\xAD\xD8\xB3\xD8\xA8"}) {
      const uint64_t h = Hash64(absl::string_view(w));
      for (size_t i = h & (kSlots - 1);; i = (i + 1) & (kSlots - 1)) {
        if (slots_[i] == 0) {
          slots_[i] = h;
          break;
        }
      }
    }
  }
  bool Contains(uint64_t h) const {
    for (size_t i = h & (kSlots - 1);; i = (i + 1) & (kSlots - 1)) {
      if (slots_[i] == h) return true;
      if (slots_[i] == 0) return false;
    }
  }

 private:
  // 17 words in 256 slots: almost every lookup of another word ends at its
  // first, empty, slot (with 64 slots, probes ran on and mispredicted).
  static constexpr size_t kSlots = 256;
  uint64_t slots_[kSlots] = {};
};

const SaidWords& Said() {
  static const SaidWords* s = new SaidWords();
  return *s;
}

const uint64_t kAccordingHash = Hash64(absl::string_view("according"));
const uint64_t kToHash = Hash64(absl::string_view("to"));

// Quotes counted by quote_frac: " “ ” « ».
bool IsQuote(absl::string_view p) {
  return p == "\"" || p == "\xE2\x80\x9C" || p == "\xE2\x80\x9D" || p == "\xC2\xAB" ||
         p == "\xC2\xBB";
}

// Closers allowed after a final . ! ?: " ' ” ’ » ) ].
bool IsCloser(absl::string_view p) {
  return p == "\"" || p == "'" || p == "\xE2\x80\x9D" || p == "\xE2\x80\x99" || p == "\xC2\xBB" ||
         p == ")" || p == "]";
}

// The last character of an ender run is one of . ! ? ؟ … ۔
bool EndsTerminal(absl::string_view p) {
  if (p.empty()) return false;
  const char c = p.back();
  if (c == '.' || c == '!' || c == '?') return true;
  if (p.size() >= 2) {
    const absl::string_view t2 = p.substr(p.size() - 2);
    if (t2 == "\xD8\x9F" || t2 == "\xDB\x94") return true;  // ؟ ۔
  }
  return p.size() >= 3 && p.substr(p.size() - 3) == "\xE2\x80\xA6";  // …
}

bool EndsQuestion(absl::string_view p) {
  if (p.empty()) return false;
  return p.back() == '?' || (p.size() >= 2 && p.substr(p.size() - 2) == "\xD8\x9F");
}

// ranknorm: the sentence at rank r (by value, descending; ties: the earlier
// sentence first) gets 1 - r/n.
void RankNorm(const std::vector<double>& vals, size_t n, std::vector<uint32_t>* order,
              std::vector<double>* out) {
  order->resize(n);
  for (uint32_t i = 0; i < n; ++i) (*order)[i] = i;
  std::stable_sort(order->begin(), order->end(),
                   [&vals](uint32_t a, uint32_t b) { return vals[a] > vals[b]; });
  out->resize(n);
  for (size_t k = 0; k < n; ++k) (*out)[(*order)[k]] = 1.0 - static_cast<double>(k) / n;
}

// Sentence-level flags of the token pass.
enum SentFlag : uint8_t {
  kSfDigit = 1,
  kSfSaid = 2,
  kSfStartsQuote = 4,
  kSfEndsColon = 8,
  kSfQuestion = 16,
  kSfNoTerminal = 32,
  kSfTitleCopy = 64,
};

}  // namespace

void FeatureExtractor::Compute(const text::AnalyzedText& title, const text::AnalyzedText& body,
                               const JunkRules& junk_rules, FeatureScratch* s) const {
  const TokenVector& toks = body.tokens();
  const std::vector<text::Sentence>& sents = body.sentences();
  const size_t n = sents.size();
  s->x.assign(n * kNumFeatures, 0.0);
  s->words.assign(n, 0);
  s->junk.assign(n, 0);
  s->vec_begin.assign(n + 1, 0);
  s->vec.clear();
  s->dateline0 = false;
  s->dateline0_bytes = 0;
  if (n == 0) return;

  // Title: its content stems and the hash of its word sequence.
  s->title_terms.Clear();
  uint64_t title_sig = 0;
  for (const Token& t : title.tokens()) {
    const uint64_t stem = internal::ContentStem(title, t);
    bool inserted;
    if (stem != 0) s->title_terms.Insert(stem, &inserted);
    if (text::IsWordLike(t.kind)) title_sig = HashCombine(title_sig, t.norm_hash);
  }
  const size_t title_size = s->title_terms.size();

  // One pass over the tokens: word counts, content-stem occurrences, cues.
  s->terms.Clear();
  s->occ.clear();
  s->occ_begin.assign(n + 1, 0);
  s->para.assign(n, 0);
  s->in_para.assign(n, 0);
  s->flags.assign(n, 0);
  std::vector<double>& quote_frac = s->tmp;
  quote_frac.assign(n, 0.0);
  const SaidWords& said = Said();
  uint32_t para = 0, in_para = 0;
  for (size_t i = 0; i < n; ++i) {
    const text::Sentence& st = sents[i];
    if (i > 0) {
      if (toks[st.token_begin].flags & text::kTokNewlineBefore) {
        ++para;
        in_para = 0;
      } else {
        ++in_para;
      }
    }
    s->para[i] = para;
    s->in_para[i] = in_para;
    s->occ_begin[i] = static_cast<uint32_t>(s->occ.size());
    uint32_t words = 0, quotes = 0;
    uint8_t f = 0;
    uint64_t sig = 0;
    for (uint32_t k = st.token_begin; k < st.token_end; ++k) {
      const Token& t = toks[k];
      if (text::IsWordLike(t.kind)) {
        ++words;
        sig = HashCombine(sig, t.norm_hash);
        if (t.kind == TokenKind::kNumber || internal::HasAsciiDigit(body.norm(t))) f |= kSfDigit;
        if (said.Contains(t.norm_hash) ||
            (t.norm_hash == kAccordingHash && k + 1 < st.token_end &&
             toks[k + 1].norm_hash == kToHash)) {
          f |= kSfSaid;
        }
        const uint64_t stem = internal::ContentStem(body, t);
        if (stem != 0) {
          bool inserted;
          s->occ.push_back(s->terms.Insert(stem, &inserted));
        }
      } else if (t.kind == TokenKind::kPunct && IsQuote(body.surface(t))) {
        ++quotes;
      }
    }
    s->occ_begin[i + 1] = static_cast<uint32_t>(s->occ.size());
    s->words[i] = words;
    quote_frac[i] = std::min(quotes / 2.0, 2.0) / 2.0;
    // Cues at the sentence's ends.
    const Token& first = toks[st.token_begin];
    if (first.kind == TokenKind::kPunct && IsQuote(body.surface(first))) f |= kSfStartsQuote;
    const Token& last = toks[st.token_end - 1];
    const absl::string_view last_s = body.surface(last);
    if (last_s == ":" || last_s == "\xEF\xBC\x9A") f |= kSfEndsColon;
    {
      // Question: after trailing quotes. Terminal: after trailing closers.
      uint32_t k = st.token_end;
      while (k > st.token_begin && toks[k - 1].kind == TokenKind::kPunct &&
             IsQuote(body.surface(toks[k - 1]))) {
        --k;
      }
      if (k > st.token_begin && EndsQuestion(body.surface(toks[k - 1]))) f |= kSfQuestion;
      k = st.token_end;
      while (k > st.token_begin && toks[k - 1].kind == TokenKind::kPunct &&
             IsCloser(body.surface(toks[k - 1]))) {
        --k;
      }
      if (!(k > st.token_begin && (toks[k - 1].flags & text::kTokEnder) &&
            EndsTerminal(body.surface(toks[k - 1])))) {
        f |= kSfNoTerminal;
      }
    }
    if (words > 0 && sig == title_sig) f |= kSfTitleCopy;
    s->flags[i] = f;
  }

  // Per-term statistics: tf, idf (one table lookup per distinct stem).
  const size_t terms = s->terms.size();
  s->tf.assign(terms, 0);
  for (uint32_t id : s->occ) ++s->tf[id];
  s->idf.resize(terms);
  // The table is several MB: each look-up's slot is fetched kDfAhead
  // look-ups before it (fetching all of them up front stalled on the
  // prefetches themselves: the same change in the keyword scorer took a
  // tenth of its samples off the prefetch loop).
  constexpr uint32_t kDfAhead = 16;
  for (uint32_t id = 0; id < terms && id < kDfAhead; ++id) stem_df_->Prefetch(s->terms.key(id));
  for (uint32_t id = 0; id < terms; ++id) {
    if (id + kDfAhead < terms) stem_df_->Prefetch(s->terms.key(id + kDfAhead));
    s->idf[id] = stem_df_->Idf(s->terms.key(id));
  }
  double total = 0;
  for (uint32_t id = 0; id < terms; ++id) total += s->tf[id];
  if (total == 0) total = 1;
  s->mark.assign(terms, 0);
  s->cnt.assign(terms, 0);
  s->ssum.assign(terms, 0.0);
  s->cent.resize(terms);
  double cn = 0;
  for (uint32_t id = 0; id < terms; ++id) {
    s->cent[id] = s->tf[id] * s->idf[id];
    cn += s->cent[id] * s->cent[id];
  }
  cn = cn > 0 ? std::sqrt(cn) : 1.0;
  // in_title per term, in `dense` (0/1) to avoid a second hash per sentence.
  s->dense.assign(terms, 0.0);
  if (title_size > 0) {
    for (uint32_t id = 0; id < terms; ++id) {
      if (s->title_terms.Find(s->terms.key(id)) >= 0) s->dense[id] = 1.0;
    }
  }

  // Sentence vectors (distinct terms, count * idf, L2-normalised), SumBasic,
  // tf-idf sums, title overlap.
  s->sb.assign(n, 0.0);
  s->tis.assign(n, 0.0);
  std::vector<double>& overlap = s->overlap;
  std::vector<double>& distinct = s->distinct;
  overlap.assign(n, 0.0);
  distinct.assign(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t b = s->occ_begin[i], e = s->occ_begin[i + 1];
    s->vec_begin[i] = static_cast<uint32_t>(s->vec.size());
    const uint32_t stamp = static_cast<uint32_t>(i + 1);
    double sb = 0;
    for (uint32_t k = b; k < e; ++k) {
      const uint32_t id = s->occ[k];
      sb += s->tf[id] / total;
      if (s->mark[id] != stamp) {
        s->mark[id] = stamp;
        s->cnt[id] = 0;
        s->vec.emplace_back(id, 0.0);
      }
      ++s->cnt[id];
    }
    s->sb[i] = e > b ? sb / (e - b) : 0.0;
    double norm = 0, tis = 0, ov = 0;
    const size_t vb = s->vec_begin[i];
    for (size_t k = vb; k < s->vec.size(); ++k) {
      const uint32_t id = s->vec[k].first;
      const double w = s->cnt[id] * s->idf[id];
      s->vec[k].second = w;
      norm += w * w;
      tis += s->tf[id] * s->idf[id];
      ov += s->dense[id];
    }
    norm = norm > 0 ? std::sqrt(norm) : 1.0;
    for (size_t k = vb; k < s->vec.size(); ++k) {
      s->vec[k].second /= norm;
      s->ssum[s->vec[k].first] += s->vec[k].second;
    }
    s->tis[i] = tis;
    overlap[i] = ov;
    distinct[i] = static_cast<double>(s->vec.size() - vb);
  }
  s->vec_begin[n] = static_cast<uint32_t>(s->vec.size());
  s->cos_c.assign(n, 0.0);
  s->centr.assign(n, 0.0);
  const double denom = n > 1 ? static_cast<double>(n - 1) : 1.0;
  double max_tis = 0;
  for (size_t i = 0; i < n; ++i) {
    double c = 0, ce = 0;
    for (uint32_t k = s->vec_begin[i]; k < s->vec_begin[i + 1]; ++k) {
      const auto& v = s->vec[k];
      c += v.second * s->cent[v.first];
      ce += v.second * s->ssum[v.first];
    }
    const bool nonempty = s->vec_begin[i + 1] > s->vec_begin[i];
    s->cos_c[i] = c / cn;
    s->centr[i] = (ce - (nonempty ? 1.0 : 0.0)) / denom;
    max_tis = std::max(max_tis, s->tis[i]);
  }
  if (max_tis == 0) max_tis = 1.0;

  std::vector<double>& cent_rank = s->cent_rank;
  std::vector<double>& sb_rank = s->sb_rank;
  std::vector<double>& w_rank = s->w_rank;
  std::vector<double>& words_d = s->words_d;
  words_d.resize(n);
  for (size_t i = 0; i < n; ++i) words_d[i] = s->words[i];
  RankNorm(s->centr, n, &s->order, &cent_rank);
  RankNorm(s->sb, n, &s->order, &sb_rank);
  RankNorm(words_d, n, &s->order, &w_rank);

  // Sentence 0's dateline.
  const absl::string_view text = body.text();
  auto sentence_text = [&](size_t i) {
    return text.substr(sents[i].begin, sents[i].end - sents[i].begin);
  };
  s->dateline0_bytes = DatelineLength(sentence_text(0));
  s->dateline0 = s->dateline0_bytes > 0;

  const double dn = static_cast<double>(n);
  std::vector<double>& title_key = s->title_key;
  title_key.resize(n);
  for (size_t i = 0; i < n; ++i) {
    double* f = &s->x[i * kNumFeatures];
    const uint32_t nw = s->words[i];
    const uint8_t fl = s->flags[i];
    const absl::string_view st = sentence_text(i);
    const bool boiler = nw == 0 || IsBoilerplate(st);
    f[kIsFirst] = i == 0;
    f[kIsSecond] = i == 1;
    f[kIsThird] = i == 2;
    f[kInvPos] = 1.0 / (i + 1);
    f[kRelPos] = i / dn;
    f[kParaFirst] = s->in_para[i] == 0;
    f[kInvPara] = 1.0 / (s->para[i] + 1);
    f[kInFirstPara] = s->para[i] == 0;
    f[kSentInParaInv] = 1.0 / (s->in_para[i] + 1);
    f[kLogWords] = std::log1p(static_cast<double>(nw));
    f[kShortLt8] = nw < 8;
    f[kLongGt40] = nw > 40;
    f[kWordsRank] = w_rank[i];
    f[kTitleRec] = overlap[i] / std::max<double>(static_cast<double>(title_size), 1.0);
    f[kTitlePrec] = overlap[i] / std::max(distinct[i], 1.0);
    f[kCentroidCos] = s->cos_c[i];
    f[kCentrality] = s->centr[i];
    f[kCentralityRank] = cent_rank[i];
    f[kSumbasic] = s->sb[i] * 10;
    f[kSumbasicRank] = sb_rank[i];
    f[kTfidfSumNorm] = s->tis[i] / max_tis;
    f[kContentRatio] =
        static_cast<double>(s->occ_begin[i + 1] - s->occ_begin[i]) / std::max<double>(nw, 1.0);
    f[kHasDigit] = (fl & kSfDigit) != 0;
    f[kQuoteFrac] = quote_frac[i];
    f[kStartsQuote] = (fl & kSfStartsQuote) != 0;
    f[kEndsColon] = (fl & kSfEndsColon) != 0;
    f[kIsQuestion] = (fl & kSfQuestion) != 0;
    f[kDateline] = i == 0 && s->dateline0;
    f[kBoiler] = boiler;
    f[kNoTerminal] = (fl & kSfNoTerminal) != 0;
    f[kCentXFirst] = s->cos_c[i] * f[kIsFirst];
    f[kTitleXFirst] = f[kTitleRec] * f[kIsFirst];
    f[kSaid] = (fl & kSfSaid) != 0;
    title_key[i] = f[kTitleRec] + 0.01 * f[kCentroidCos];
    // Junk: what the summariser takes only when better sentences run out.
    bool junk = false;
    if (junk_rules.boilerplate && boiler) junk = true;
    if (junk_rules.byline_caption && IsBylineOrCaption(st, nw)) junk = true;
    if ((fl & kSfNoTerminal) && static_cast<int>(nw) < junk_rules.headline_words) junk = true;
    if (junk_rules.title_copy && (fl & kSfTitleCopy)) junk = true;
    s->junk[i] = junk;
  }
  std::vector<double>& title_rank = s->title_rank;
  RankNorm(title_key, n, &s->order, &title_rank);
  const double* x0 = &s->x[0];
  const double s0_bad = (x0[kBoiler] != 0 || x0[kIsQuestion] != 0 || x0[kStartsQuote] != 0);
  const double npara = s->para[n - 1] + 1.0;
  const double spp = std::min(dn / npara, 5.0) / 5.0;
  for (size_t i = 0; i < n; ++i) {
    double* f = &s->x[i * kNumFeatures];
    const double rp = f[kRelPos];
    f[kRelposB1] = rp < 0.1;
    f[kRelposB2] = rp >= 0.1 && rp < 0.25;
    f[kRelposB3] = rp >= 0.25 && rp < 0.5;
    f[kRelposB4] = rp >= 0.75;
    f[kSppXCentrality] = spp * f[kCentrality];
    f[kSppXWordsRank] = spp * f[kWordsRank];
    f[kSppXInvPos] = spp * f[kInvPos];
    f[kSppXIsFirst] = spp * f[kIsFirst];
    f[kSppXInvPara] = spp * f[kInvPara];
    f[kSppXInFirstPara] = spp * f[kInFirstPara];
    f[kSppXSumbasicRank] = spp * f[kSumbasicRank];
    f[kSppXCentroidCos] = spp * f[kCentroidCos];
    f[kSppXLogWords] = spp * f[kLogWords];
    f[kSppXRelPos] = spp * f[kRelPos];
    f[kSppXTitleRec] = spp * f[kTitleRec];
    f[kTitleRank] = title_rank[i];
    f[kFirstXBad] = i == 0 ? s0_bad : 0.0;
    f[kFirstXShort] = i == 0 ? x0[kShortLt8] : 0.0;
  }
}

}  // namespace summarize
}  // namespace qalam
