// The text core's segment pass: one scan over UTF-8 text that produces
// tokens (with kind, flags and byte span), their normalised forms, light
// stems and hashes, and sentence boundaries.
//
//   Analyzer analyzer;               // immutable; share it across threads
//   AnalyzedText doc;                // per-thread scratch; reuse it
//   absl::Status s = analyzer.Analyze(text, &doc);
//   for (const Token& t : doc.tokens()) Use(doc.surface(t), doc.norm(t));
//
// Tokens are appended to a vector that keeps its capacity across calls, and
// normalised forms go to one arena string, so a warmed-up AnalyzedText makes
// no heap allocation at all, let alone one per token.
#ifndef QALAM_WORKERS_TEXT_ANALYZER_H_
#define QALAM_WORKERS_TEXT_ANALYZER_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "workers/text/char_info.h"
#include "workers/text/normalizer.h"
#include "workers/text/token.h"

namespace qalam {
namespace text {

// Texts of this size or more are refused: offsets are 32-bit.
inline constexpr size_t kMaxAnalyzedBytes = 0xFFFFFF00u;

struct AnalyzerOptions {
  NormalizerOptions normalizer;
  bool stems = true;      // compute stems and stem hashes
  bool sentences = true;  // split into sentences
};

// A growable byte buffer for normalised forms, written through raw pointers
// in the analyser's inner loop (std::string::append per character costs more
// than the rest of the loop). Internal to the text core.
class NormArena {
 public:
  const char* data() const { return buf_.get(); }
  size_t size() const { return size_; }
  void Truncate(size_t n) { size_ = n; }
  // Returns a pointer where at least `n` more bytes may be written.
  char* Reserve(size_t n) {
    if (cap_ - size_ < n) Grow(n);
    return buf_.get() + size_;
  }
  char* limit() const { return buf_.get() + cap_; }
  // Marks everything up to `w` (from Reserve) as written.
  void Commit(const char* w) { size_ = static_cast<size_t>(w - buf_.get()); }
  void Append(const char* p, size_t n) {
    std::memcpy(Reserve(n), p, n);
    size_ += n;
  }

 private:
  void Grow(size_t n) {
    size_t cap = cap_ * 2 + n + 256;
    std::unique_ptr<char[]> b(new char[cap]);
    if (size_ > 0) std::memcpy(b.get(), buf_.get(), size_);
    buf_ = std::move(b);
    cap_ = cap;
  }
  std::unique_ptr<char[]> buf_;
  size_t size_ = 0;
  size_t cap_ = 0;
};

// The result of Analyzer::Analyze, and the scratch memory it reuses.
//
// Views returned by text(), surface(), norm() and stem() point into the
// analysed text or into this object; they are valid until the next Analyze
// into this object or its destruction, and the analysed text must outlive
// them. Not thread-safe: one AnalyzedText per thread (it is cheap to keep one
// per pool thread and reuse it for every article).
class AnalyzedText {
 public:
  AnalyzedText() = default;
  AnalyzedText(const AnalyzedText&) = delete;
  AnalyzedText& operator=(const AnalyzedText&) = delete;
  AnalyzedText(AnalyzedText&&) = default;
  AnalyzedText& operator=(AnalyzedText&&) = default;

  absl::string_view text() const { return text_; }
  const TokenVector& tokens() const { return tokens_; }
  const std::vector<Sentence>& sentences() const { return sentences_; }

  // The token as written in the text.
  absl::string_view surface(const Token& t) const {
    return text_.substr(t.begin, t.end - t.begin);
  }
  // The normalised form (empty for punctuation and symbols).
  absl::string_view norm(const Token& t) const {
    return absl::string_view(arena_.data() + t.norm_off, t.norm_len);
  }
  // The light stem, a substring of norm().
  absl::string_view stem(const Token& t) const {
    return absl::string_view(arena_.data() + t.norm_off + t.stem_skip, t.stem_len);
  }

  // Number of word-like tokens (words, numbers, URLs, e-mails, hashtags,
  // mentions): the "tokens" field of a result line.
  uint32_t word_count() const { return word_count_; }

  // Indices of the tokens that can matter to sentence boundaries, in order:
  // tokens after a line break, sentence enders, dotted abbreviations and
  // brackets. SplitSentences visits only these.
  const std::vector<uint32_t>& marks() const { return marks_; }

  // Letters seen, per CharScript (code points): for language identification.
  const std::array<uint32_t, 9>& letters_by_script() const { return letters_by_script_; }

 private:
  friend class Analyzer;
  void Reset(absl::string_view text);

  absl::string_view text_;
  TokenVector tokens_;
  std::vector<Sentence> sentences_;
  std::vector<uint32_t> marks_;
  NormArena arena_;
  uint32_t word_count_ = 0;
  std::array<uint32_t, 9> letters_by_script_{};
};

// Immutable after construction; safe for concurrent use.
class Analyzer {
 public:
  explicit Analyzer(AnalyzerOptions options = AnalyzerOptions());

  const AnalyzerOptions& options() const { return options_; }
  const Normalizer& normalizer() const { return normalizer_; }

  // Analyses `text` into `*out`, replacing what it held and reusing its
  // memory. Returns InvalidArgument when text.size() >= kMaxAnalyzedBytes.
  // REQUIRES: `text` is valid UTF-8 (see utf8.h: validate where text enters).
  // Invalid UTF-8 does not crash or read out of bounds, but its tokens are
  // unspecified.
  absl::Status Analyze(absl::string_view text, AnalyzedText* out) const;

 private:
  void Scan(absl::string_view text, AnalyzedText* out) const;
  void FinishToken(AnalyzedText* out, Token* t, bool arabic_letters_only) const;

  // Tests compare the fast paths of Scan with its general path alone
  // (tokenizer_test.cc), through this peer.
  friend class AnalyzerTestPeer;

  AnalyzerOptions options_;
  Normalizer normalizer_;
  bool fast_paths_ = true;  // false: the general path only (tests)
};

// Splits the tokens of `doc` into sentences (appended to `*out`). Exposed for
// tests; Analyze calls it when options.sentences is set.
//
// Boundaries: after a run of sentence enders (. ! ? ؟ … ۔) and the closing
// quotes and brackets that follow it, and at every line break (paragraphs).
// No boundary at decimals, abbreviations (Dr. Mr. etc. e.g.), initials
// (J. R. R. Tolkien), dotted acronyms unless a sentence starter follows
// (U.S. officials / in the U.S. The ...), URLs and e-mail addresses (single
// tokens), numbered list items ("1. ..." at the start of a line), a period
// followed by a lower-case word, or an ellipsis (... .. …) unless a line
// break follows it.
void SplitSentences(const AnalyzedText& doc, std::vector<Sentence>* out);

}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_ANALYZER_H_
