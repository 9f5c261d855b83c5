// Sentence boundaries from the token stream (see SplitSentences in
// analyzer.h for the rules). Runs after tokenisation over tokens only, so it
// costs a few nanoseconds per token.
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_split.h"
#include "common/hash.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace text {
namespace {

// Lists of lower-case ASCII words, hashed once, in a two-slot cuckoo table
// (as the stop words): a lookup is two loads and two compares, no hashing
// and no branch. The splitter asks up to four lists about every period.
class WordSet {
 public:
  explicit WordSet(const char* words) {
    for (absl::string_view w : absl::StrSplit(words, ' ', absl::SkipEmpty())) {
      uint64_t h = Hash64(w);
      if (h == 0 || Contains(h)) continue;  // 0 marks empty; listed twice
      uint32_t slot = Slot1(h);
      for (int moves = 0;; ++moves) {
        if (slots_[Slot1(h)] == 0) {
          slot = Slot1(h);
        } else if (slots_[Slot2(h)] == 0) {
          slot = Slot2(h);
        }
        std::swap(h, slots_[slot]);
        if (h == 0) break;
        if (moves > 1000) std::abort();  // a table too small for the list
        slot = slot == Slot1(h) ? Slot2(h) : Slot1(h);
      }
    }
  }
  bool Contains(uint64_t norm_hash) const {
    const uint64_t a = slots_[Slot1(norm_hash)];
    const uint64_t b = slots_[Slot2(norm_hash)];
    return ((a == norm_hash) | (b == norm_hash)) & (norm_hash != 0);
  }

 private:
  static constexpr uint32_t kSlots = 1024;  // > 4x the longest list
  static uint32_t Slot1(uint64_t h) { return static_cast<uint32_t>(h) & (kSlots - 1); }
  static uint32_t Slot2(uint64_t h) { return static_cast<uint32_t>(h >> 32) & (kSlots - 1); }
  uint64_t slots_[kSlots] = {};
};

// Abbreviations after which a period never ends a sentence: titles and
// words that are always followed by a name or a number.
const WordSet& Titles() {
  static const WordSet* s = new WordSet(
      "mr mrs ms dr prof gen sen rep reps gov lt col sgt capt cmdr adm rev fr "
      "drs hon pres supt insp det atty st mt ft messrs mme mlle gens sens maj cpl "
      "pvt brig cmdr lieut vs v approx fig figs vol vols pp nos ch cf ed eds "
      "e.g. i.e. e.g i.e viz");
  return *s;
}

// Abbreviations that precede a number ("No. 5", "Jan. 12"); a period after
// them ends a sentence only if a sentence starter follows.
const WordSet& BeforeNumber() {
  static const WordSet* s = new WordSet(
      "no jan feb mar apr jun jul aug sep sept oct nov dec art sec");
  return *s;
}

// Abbreviations that also end sentences: a period after them is a boundary
// only when a typical sentence starter follows.
const WordSet& Ambiguous() {
  static const WordSet* s = new WordSet(
      "inc ltd co corp jr sr bros llc plc etc al ave rd blvd dept univ assn "
      "govt intl natl mass calif fla ariz colo conn ill ind kan mich minn "
      "miss nev okla ore penn tenn tex va wash wis");
  return *s;
}

// Words that typically begin an English sentence (learned by counting the
// first words of the gold sentences of en-cnn train that are rarely
// capitalised elsewhere; only general words were kept).
const WordSet& Starters() {
  static const WordSet* s = new WordSet(
      "the in but it he we a and this it's they she if as there when for that "
      "so on at while his what one some you according after that's these with "
      "however many even her to since last more an all my how now there's our "
      "most people by of although despite another those he's both two then "
      "meanwhile why instead yet just other because before from during not "
      "we're their authorities once earlier under is about today among we've "
      "also its every they're here over only still where though others "
      "several like or each such here's former what's perhaps whether are "
      "maybe who officials any yes until do indeed given well later which "
      "rather having much nearly within currently unlike i i'm i've police "
      "three four five six seven eight nine ten");
  return *s;
}

inline bool IsLowerLatinWord(const Token& t) {
  return t.kind == TokenKind::kWord && (t.flags & kTokLatin) && !(t.flags & kTokUpper);
}

class Splitter {
 public:
  Splitter(const AnalyzedText& doc, std::vector<Sentence>* out)
      : doc_(doc), toks_(doc.tokens()), out_(out) {}

  void Run() {
    const size_t n = toks_.size();
    if (n == 0) return;
    size_t start = 0;
    int depth = 0;  // open round/square brackets in this sentence
    bool opened_at_start = false;  // the outermost one opened it
    // Only the tokens the analyser marked can matter (line starts, enders,
    // dotted abbreviations, brackets): about one in ten.
    const std::vector<uint32_t>& marks = doc_.marks();
    size_t mi = 0;
    while (mi < marks.size()) {
      const size_t i = marks[mi++];
      const Token& t = toks_[i];
      if (i > start && (t.flags & kTokNewlineBefore)) {
        Emit(start, i);
        start = i;
        depth = 0;
        opened_at_start = false;
      }
      if (t.kind == TokenKind::kPunct && !(t.flags & kTokEnder)) {
        char c = doc_.text()[t.begin];
        if (c == '(' || c == '[') {
          if (depth == 0) opened_at_start = (i == start);
          ++depth;
        }
        if ((c == ')' || c == ']') && depth > 0) --depth;
      }
      const bool candidate = (t.flags & kTokEnder) ||
                             (t.kind == TokenKind::kWord && (t.flags & kTokDotted));
      if (!candidate) continue;
      // Closing quotes, brackets and further enders attached to the ender
      // stay with its sentence.
      size_t j = i + 1;
      int closed = 0;
      while (j < n && toks_[j].kind == TokenKind::kPunct &&
             (toks_[j].flags & (kTokClose | kTokQuote | kTokEnder)) &&
             (!(toks_[j].flags & kTokSpaceBefore) || EndsLine(j))) {
        char c = doc_.text()[toks_[j].begin];
        if (c == ')' || c == ']') ++closed;
        ++j;
      }
      if (j >= n) break;
      while (mi < marks.size() && marks[mi] < j) ++mi;  // absorbed
      if (toks_[j].flags & kTokNewlineBefore) continue;  // the break ends it
      // An ender inside brackets that the closer just closed ("(...)",
      // "(etc.)") ends nothing, unless the brackets hold the whole sentence.
      const bool inside = closed > 0 && depth > 0 && !(opened_at_start && depth <= closed);
      if (!inside && IsBoundary(i, j)) {
        Emit(start, j);
        start = j;
        depth = 0;
        opened_at_start = false;
      } else {
        depth = depth > closed ? depth - closed : 0;
      }
    }
    Emit(start, n);
  }

 private:
  void Emit(size_t b, size_t e) {
    if (b >= e) return;
    Sentence s;
    s.begin = toks_[b].begin;
    s.end = toks_[e - 1].end;
    s.token_begin = static_cast<uint32_t>(b);
    s.token_end = static_cast<uint32_t>(e);
    out_->push_back(s);
  }

  // True when the token at j is the last of its line: a quote there closes.
  bool EndsLine(size_t j) const {
    return (toks_[j].flags & kTokQuote) &&
           (j + 1 >= toks_.size() || (toks_[j + 1].flags & kTokNewlineBefore));
  }

  bool NextIsStarter(const Token& next) const {
    return (next.flags & kTokUpper) && Starters().Contains(next.norm_hash);
  }

  // Is there a sentence boundary between the ender at i (with its attached
  // closers up to j) and the token at j?
  bool IsBoundary(size_t i, size_t j) const {
    const Token& t = toks_[i];
    const Token& next = toks_[j];
    const bool next_lower = IsLowerLatinWord(next);
    const bool spaced = (next.flags & kTokSpaceBefore) != 0;

    if (t.kind == TokenKind::kWord) {  // dotted abbreviation: U.S. e.g.
      if (Titles().Contains(t.norm_hash)) return false;
      return spaced && NextIsStarter(next);
    }
    const bool has_prev = i > 0 && toks_[i - 1].end == t.begin;
    const Token* prev = has_prev ? &toks_[i - 1] : nullptr;
    // An ellipsis right after an opening bracket or quote elides, it does
    // not end anything: "(...) " or "\"..but".
    if ((t.flags & kTokEllipsis) && prev != nullptr &&
        prev->kind == TokenKind::kPunct && (prev->flags & (kTokOpen | kTokQuote))) {
      return false;
    }
    // "happy. ... A special" : the ellipsis opens the next sentence; but a
    // spaced ellipsis ". . ." is not three sentence ends.
    if (next.kind == TokenKind::kPunct && (next.flags & kTokEnder)) {
      return spaced && (next.flags & kTokEllipsis) && !(t.flags & kTokEllipsis);
    }
    if (!spaced) {
      // "end.Next" (missing space) is a boundary; "x.y" inside a word and
      // "U.S" (an initial) are not.
      if (next.kind != TokenKind::kWord) return false;
      if (prev != nullptr && prev->kind == TokenKind::kWord && prev->end - prev->begin == 1) {
        return false;
      }
      return (next.flags & kTokArabic) || (next.flags & kTokUpper);
    }
    if (t.flags & kTokQuestion) return true;  // "Why?" he asked: two sentences
    // An ellipsis trails off or elides inside a sentence, in English news
    // (en-cnn's gold never breaks after "... Capital") and in Arabic, where
    // ".." mostly separates clauses of one quoted utterance. A line break
    // after it still ends the sentence.
    if (t.flags & kTokEllipsis) return false;
    if (doc_.text()[t.begin] != '.') return true;  // ۔ 。 and the like

    // A single period.
    if (prev != nullptr && prev->kind == TokenKind::kWord) {
      const bool latin = (prev->flags & kTokLatin) != 0;
      if (latin && Titles().Contains(prev->norm_hash)) return false;
      if (latin && BeforeNumber().Contains(prev->norm_hash)) {
        if (next.kind == TokenKind::kNumber) return false;
        return NextIsStarter(next);
      }
      if (latin && Ambiguous().Contains(prev->norm_hash)) return NextIsStarter(next);
      // An initial: "J. R. R. Tolkien", "George W. Bush".
      if (prev->end - prev->begin == 1 && (prev->flags & kTokUpper)) {
        return NextIsStarter(next);
      }
      // A single Arabic letter: د. (doctor), أ. (professor), م. (engineer).
      if ((prev->flags & kTokArabic) && prev->norm_len <= 2 &&
          (prev->flags & kTokSpaceBefore)) {
        return false;
      }
    }
    // A numbered list item: "1. ..." at the start of a line.
    if (prev != nullptr && prev->kind == TokenKind::kNumber && prev->end - prev->begin <= 3 &&
        (i == 1 || (prev->flags & kTokNewlineBefore))) {
      return false;
    }
    return !next_lower;
  }

  const AnalyzedText& doc_;
  const TokenVector& toks_;
  std::vector<Sentence>* out_;
};

}  // namespace

void SplitSentences(const AnalyzedText& doc, std::vector<Sentence>* out) {
  Splitter(doc, out).Run();
}

}  // namespace text
}  // namespace qalam
