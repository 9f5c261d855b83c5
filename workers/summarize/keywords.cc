#include "workers/summarize/keywords.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace qalam {
namespace summarize {
namespace {

using Candidate = KeywordScratch::Candidate;
using internal::KeywordToken;

// The keys of a candidate's words.
struct KeySet {
  const KeywordToken* t;
  int n;
  bool Contains(uint64_t k) const {
    for (int i = 0; i < n; ++i) {
      if (t[i].key == k) return true;
    }
    return false;
  }
  // Every key of this set is in `other`.
  bool SubsetOf(const KeySet& other) const {
    for (int i = 0; i < n; ++i) {
      if (!other.Contains(t[i].key)) return false;
    }
    return true;
  }
  bool Intersects(const KeySet& other) const {
    for (int i = 0; i < n; ++i) {
      if (other.Contains(t[i].key)) return true;
    }
    return false;
  }
  bool HasRepeat() const {
    for (int i = 1; i < n; ++i) {
      for (int j = 0; j < i; ++j) {
        if (t[i].key == t[j].key) return true;
      }
    }
    return false;
  }
};

inline bool IsArabicMark(uint32_t cp) { return (cp >= 0x064B && cp <= 0x065F) || cp == 0x0670; }

// Decodes the code point at p (valid UTF-8) and its length.
inline uint32_t Decode(const char* p, const char* end, int* len) {
  const unsigned char b = static_cast<unsigned char>(*p);
  if (b < 0x80 || end - p < 2) {
    *len = 1;
    return b;
  }
  if (b < 0xE0) {
    *len = 2;
    return (uint32_t{b & 0x1Fu} << 6) | (static_cast<unsigned char>(p[1]) & 0x3Fu);
  }
  if (b < 0xF0 || end - p < 4) {
    *len = end - p < 3 ? static_cast<int>(end - p) : 3;
    if (*len < 3) return 0xFFFD;
    return (uint32_t{b & 0x0Fu} << 12) | ((static_cast<unsigned char>(p[1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(p[2]) & 0x3Fu);
  }
  *len = 4;
  return 0x10000;  // outside the Arabic block: all that matters here
}

// Appends the display form of one word without tatweel; the first word of
// a phrase without its dropped clitic letters (and with "ال" in front for
// لل-words), the last without a possessive 's. Inside a phrase clitics are
// grammar ("مركز الهلال للتراث") and stay.
void AppendWord(absl::string_view surface, const KeywordToken& t, bool first, bool last,
                std::string* out) {
  const char* p = surface.data();
  const char* end = p + surface.size();
  if (last && (t.flags & internal::kKwPossessive)) {
    if (surface.size() > 2 && surface.substr(surface.size() - 2) == "'s") {
      end -= 2;
    } else if (surface.size() > 4 && surface.substr(surface.size() - 4) == "\xE2\x80\x99s") {
      end -= 4;
    }
  }
  const int dropped = first ? t.drop : 0;
  int drop = dropped;
  while (drop > 0 && p < end) {
    int len;
    const uint32_t cp = Decode(p, end, &len);
    if (!IsArabicMark(cp) && cp != 0x0640) --drop;
    p += len;
  }
  if (dropped > 0) {
    // Marks on the dropped letter go with it.
    while (p < end) {
      int len;
      if (!IsArabicMark(Decode(p, end, &len))) break;
      p += len;
    }
  }
  if (first && (t.flags & internal::kKwAddAl)) out->append("\xD8\xA7\xD9\x84");  // ال
  while (p < end) {
    if (p + 1 < end && p[0] == '\xD9' && p[1] == '\x80') {  // tatweel
      p += 2;
      continue;
    }
    out->push_back(*p++);
  }
}

inline bool IsUpperAscii(char c) { return c >= 'A' && c <= 'Z'; }

}  // namespace

void KeywordExtractor::AppendForm(const text::AnalyzedText& title, const text::AnalyzedText& body,
                                  size_t title_tokens, const Candidate& c, KeywordScratch* s,
                                  std::string* out) const {
  // Count the surface forms of every occurrence of the candidate.
  s->forms.clear();
  s->arena.clear();
  const std::vector<KeywordToken>& toks = s->tokens;
  // Its occurrences, in text order: the windows of c.n joined words whose
  // key is c.key.
  for (uint32_t w = c.occ_head; w != KeywordScratch::kNone; w = s->occ[w].next) {
    const size_t i = s->occ[w].pos;
    const text::AnalyzedText& doc = i < title_tokens ? title : body;
    const uint32_t off = static_cast<uint32_t>(s->arena.size());
    for (int j = 0; j < c.n; ++j) {
      if (j > 0) s->arena.push_back(' ');
      const KeywordToken& t = toks[i + j];
      AppendWord(doc.text().substr(t.begin, t.end - t.begin), t, j == 0, j == c.n - 1, &s->arena);
    }
    const uint32_t len = static_cast<uint32_t>(s->arena.size()) - off;
    const absl::string_view form(s->arena.data() + off, len);
    bool found = false;
    for (KeywordScratch::Form& f : s->forms) {
      if (absl::string_view(s->arena.data() + f.off, f.len) == form) {
        ++f.count;
        found = true;
        break;
      }
    }
    if (found) {
      s->arena.resize(off);
    } else {
      s->forms.push_back(
          {off, len, 1, static_cast<uint32_t>(s->forms.size()), len > 0 && IsUpperAscii(form[0])});
    }
  }
  if (s->forms.empty()) return;         // cannot happen: the candidate came from these tokens
  auto best_of = [&](int want_upper) {  // -1: any
    const KeywordScratch::Form* best = nullptr;
    for (const KeywordScratch::Form& f : s->forms) {
      if (want_upper >= 0 && f.upper != (want_upper == 1)) continue;
      if (best == nullptr || f.count > best->count) best = &f;
    }
    return best;
  };
  const KeywordScratch::Form* pick = nullptr;
  bool lower = false;
  if (model_->language() == Language::kArabic) {
    pick = best_of(-1);
  } else {
    uint32_t caps = 0, low = 0;
    for (const KeywordScratch::Form& f : s->forms) (f.upper ? caps : low) += f.count;
    if (caps > 0 && caps >= low) {
      pick = best_of(1);
    } else {
      pick = low > 0 ? best_of(0) : best_of(1);
      lower = true;
    }
  }
  out->assign(s->arena.data() + pick->off, pick->len);
  if (lower) {
    for (char& ch : *out) {
      if (IsUpperAscii(ch)) ch = static_cast<char>(ch | 0x20);
    }
  }
}

void KeywordExtractor::Extract(const text::AnalyzedText& title, const text::AnalyzedText& body,
                               int n, KeywordScratch* s, std::vector<std::string>* out) const {
  out->clear();
  if (n <= 0) return;
  const DfTable& lexicon = model_->lexicon();
  const DfTable& pdf = model_->phrase_df();
  const bool english = model_->language() == Language::kEnglish;

  s->tokens.clear();
  internal::KeywordTokens(title, &lexicon, &s->tokens, &s->word_keys);
  const size_t title_tokens = s->tokens.size();
  internal::KeywordTokens(body, &lexicon, &s->tokens, &s->word_keys);
  const std::vector<KeywordToken>& toks = s->tokens;
  const size_t T = toks.size();

  // Candidates: every 1-4-word window inside a run.
  s->index.Clear();
  s->cands.clear();
  s->occ.clear();
  for (size_t i = 0; i < T; ++i) {
    for (int len = 1; len <= internal::kMaxNgram && i + len <= T; ++len) {
      if (len > 1 && !(toks[i + len - 1].flags & internal::kKwJoin)) break;
      const uint64_t key = internal::NgramKey(&toks[i], len);
      bool inserted;
      const uint32_t ci = s->index.Insert(key, &inserted);
      // (The new elements are written field by field in place: building
      // them on the stack and copying them made the CPU load whole 8- and
      // 16-byte words it had just stored in parts, a store-forwarding stall
      // that took a fifth of this function's time.)
      const uint32_t w = static_cast<uint32_t>(s->occ.size());
      if (inserted) {
        KeywordScratch::Occurrence& o = s->occ.emplace_back();
        o.pos = static_cast<uint32_t>(i);
        o.next = KeywordScratch::kNone;
        Candidate& nc = s->cands.emplace_back();
        nc.key = key;
        nc.pos = static_cast<uint32_t>(i);
        nc.tf = 0;
        nc.first = UINT32_MAX;
        nc.sup = 0;
        nc.occ_head = w;
        nc.occ_tail = w;
        nc.n = static_cast<uint8_t>(len);
        nc.title = false;
        nc.all_ly = true;
        nc.score = 0.0;
      }
      Candidate& c = s->cands[ci];
      // Only windows of the candidate's own length are its occurrences (a
      // key shared by windows of two lengths would be a hash collision).
      if (!inserted && len == c.n) {
        KeywordScratch::Occurrence& o = s->occ.emplace_back();
        o.pos = static_cast<uint32_t>(i);
        o.next = KeywordScratch::kNone;
        s->occ[c.occ_tail].next = w;
        c.occ_tail = w;
      }
      if (i < title_tokens) {
        c.title = true;
      } else {
        ++c.tf;
        c.first = std::min(c.first, toks[i].sentence);
      }
      if (len == 1 && !(toks[i].flags & internal::kKwLy)) c.all_ly = false;
    }
  }
  // Closedness: how often does a one-word-longer candidate contain each one?
  for (const Candidate& c : s->cands) {
    if (c.n < 2) continue;
    for (const KeywordToken* sub : {&toks[c.pos + 1], &toks[c.pos]}) {
      const int64_t j = s->index.Find(internal::NgramKey(sub, c.n - 1));
      if (j >= 0) s->cands[j].sup = std::max(s->cands[j].sup, c.tf);
    }
  }
  // Filters, then the phrase-table lookups for the survivors (prefetched
  // ahead: the table is large and most lookups miss the cache).
  s->ranked.clear();
  for (uint32_t ci = 0; ci < s->cands.size(); ++ci) {
    const Candidate& c = s->cands[ci];
    const uint32_t tf = c.tf;
    if (tf >= 2 && c.sup >= 0.7 * tf) continue;     // a fragment of a longer phrase
    if (c.n == 1 && english && c.all_ly) continue;  // adverbs
    if (c.n > 1) {
      if (tf < 2 && !(c.title && tf >= 1)) continue;        // phrases need support
      if (KeySet{&toks[c.pos], c.n}.HasRepeat()) continue;  // "New New"
    }
    s->ranked.push_back(ci);
  }
  // Each look-up's slot is fetched kAhead look-ups before it.
  constexpr size_t kAhead = 16;
  const size_t nr = s->ranked.size();
  for (size_t r = 0; r < nr && r < kAhead; ++r) pdf.Prefetch(s->cands[s->ranked[r]].key);
  s->scored.clear();
  for (size_t r = 0; r < nr; ++r) {
    if (r + kAhead < nr) pdf.Prefetch(s->cands[s->ranked[r + kAhead]].key);
    const uint32_t ci = s->ranked[r];
    Candidate& c = s->cands[ci];
    const double idf = pdf.Idf(c.key);
    const double pos = c.first != UINT32_MAX ? 1.0 + 0.5 / (1.0 + c.first) : 1.0;
    const double tfw = c.tf > 0 ? 1.0 + internal::LogCount(c.tf) : 0.5;
    const double tb = c.tf >= 2 ? 2.0 : (c.tf == 1 ? 1.0 : 0.5);
    c.score = (tfw + (c.title ? tb : 0.0)) * idf * pos * (1.0 + 0.25 * (c.n - 1));
    s->scored.push_back({c.score, ci});
  }
  // Best first (score, then candidate index: a total order, so the sequence
  // is the one a full sort gives). The selection seldom reads far: only the
  // head is sorted up front, the rest if it gets there.
  const auto better = [](const KeywordScratch::Scored& a, const KeywordScratch::Scored& b) {
    return a.score != b.score ? a.score > b.score : a.cand < b.cand;
  };
  const size_t head = std::min(s->scored.size(), 4 * static_cast<size_t>(n) + 32);
  std::nth_element(s->scored.begin(), s->scored.begin() + head, s->scored.end(), better);
  std::sort(s->scored.begin(), s->scored.begin() + head, better);
  size_t sorted = head;

  // Selection.
  s->chosen.clear();
  auto keys_of = [&](uint32_t ci) {
    const Candidate& c = s->cands[ci];
    return KeySet{&toks[c.pos], c.n};
  };
  for (size_t r = 0; r < s->scored.size(); ++r) {
    if (r == sorted) {
      std::sort(s->scored.begin() + sorted, s->scored.end(), better);
      sorted = s->scored.size();
    }
    const uint32_t ci = s->scored[r].cand;
    const Candidate& c = s->cands[ci];
    const KeySet ks = keys_of(ci);
    bool covered = false;
    for (const KeywordScratch::Chosen& ch : s->chosen) {
      if (ks.SubsetOf(keys_of(ch.cand))) {
        covered = true;
        break;
      }
    }
    if (covered) continue;
    // Does it extend chosen shorter candidates? Then it replaces the first
    // of them in place, when about as frequent (or both in the title).
    int first_sub = -1;
    for (size_t j = 0; j < s->chosen.size(); ++j) {
      if (keys_of(s->chosen[j].cand).SubsetOf(ks)) {
        first_sub = static_cast<int>(j);
        break;
      }
    }
    if (first_sub >= 0) {
      KeywordScratch::Chosen& sub = s->chosen[first_sub];
      if (c.tf >= 0.5 * sub.tf || (c.title && sub.title)) {
        sub.cand = ci;
        sub.tf = c.tf;
        for (size_t j = s->chosen.size(); j-- > static_cast<size_t>(first_sub) + 1;) {
          if (keys_of(s->chosen[j].cand).SubsetOf(ks)) s->chosen.erase(s->chosen.begin() + j);
        }
      }
      continue;
    }
    if (ks.n > 1) {
      bool overlaps = false;
      for (const KeywordScratch::Chosen& ch : s->chosen) {
        const KeySet other = keys_of(ch.cand);
        if (other.n > 1 && ks.Intersects(other)) {
          overlaps = true;
          break;
        }
      }
      if (overlaps) continue;  // two windows over one long name
    }
    s->chosen.push_back({ci, c.tf, c.title});
    if (s->chosen.size() >= static_cast<size_t>(n)) break;
  }

  out->resize(s->chosen.size());
  for (size_t j = 0; j < s->chosen.size(); ++j) {
    AppendForm(title, body, title_tokens, s->cands[s->chosen[j].cand], s, &(*out)[j]);
  }
}

}  // namespace summarize
}  // namespace qalam
