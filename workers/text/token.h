// Tokens and sentences: the units the text core produces.
//
// Both are plain values that refer to the text they came from by byte
// offsets; they never copy it. A Token also refers to its normalised form
// and light stem, stored in the AnalyzedText that holds it (see analyzer.h).
#ifndef QALAM_WORKERS_TEXT_TOKEN_H_
#define QALAM_WORKERS_TEXT_TOKEN_H_

#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace qalam {
namespace text {

enum class TokenKind : uint8_t {
  kWord = 0,     // letters (and digits), internal apostrophes: don't, الكتاب
  kNumber = 1,   // 42, 3.5, 1,000.5, ٣٫٥
  kUrl = 2,      // http://..., www.example.com, bbc.co.uk/news
  kEmail = 3,    // someone@example.org
  kHashtag = 4,  // #شيرين_عبد_الوهاب
  kMention = 5,  // @user
  kPunct = 6,    // . , ؟ « » ( ... ; a run of sentence enders is one token
  kSymbol = 7,   // $ % + = emoji, anything else that is not a word
};

// Human-readable name ("word", "number", ...). Never null.
const char* TokenKindName(TokenKind kind);

// True for the kinds counted as word tokens (everything but punctuation and
// symbols).
inline bool IsWordLike(TokenKind k) {
  return k != TokenKind::kPunct && k != TokenKind::kSymbol;
}

// Bits of Token::flags.
enum TokenFlag : uint16_t {
  kTokSpaceBefore = 1u << 0,      // white space (or the start of text) before
  kTokNewlineBefore = 1u << 1,    // a line break between the previous token and this
  kTokParagraphBefore = 1u << 2,  // two or more line breaks before (blank line)
  kTokUpper = 1u << 3,            // first letter is upper case
  kTokAllUpper = 1u << 4,         // every letter is upper case (and there are >= 2)
  kTokArabic = 1u << 5,           // first letter is in the Arabic script
  kTokLatin = 1u << 6,            // first letter is in the Latin script
  kTokStop = 1u << 7,             // a stop word (Analyzer)
  kTokEnder = 1u << 8,            // punctuation made of sentence enders
  kTokOpen = 1u << 9,             // opening bracket or quote
  kTokClose = 1u << 10,           // closing bracket or quote
  kTokQuote = 1u << 11,           // " or ': opens or closes
  kTokDotted = 1u << 12,          // abbreviation with periods: U.S. e.g. a.m.
  kTokEllipsis = 1u << 13,        // punctuation: ... .. or …
  kTokQuestion = 1u << 14,        // punctuation containing ! ? ؟
};

// An allocator that default-initialises what a vector default-constructs:
// growing a vector of trivial values with resize() then writes nothing
// (std::allocator zero-fills). The analyser sizes its token vector to its
// capacity and writes tokens through a pointer (analyzer.cc).
template <typename T, typename Base = std::allocator<T>>
class DefaultInitAllocator : public Base {
 public:
  template <typename U>
  struct rebind {
    using other =
        DefaultInitAllocator<U, typename std::allocator_traits<Base>::template rebind_alloc<U>>;
  };
  using Base::Base;
  DefaultInitAllocator() = default;
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible<U>::value) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    std::allocator_traits<Base>::construct(static_cast<Base&>(*this), p,
                                           std::forward<Args>(args)...);
  }
};

// A token: kind, flags and byte span [begin, end) in the original text, plus
// the location of its normalised form and stem in the owning AnalyzedText.
// 40 bytes, trivially copyable; the analyzer appends tokens to a reused
// vector, so there is no heap allocation per token.
struct Token {
  uint32_t begin;     // byte offsets into the original text
  uint32_t end;
  uint32_t norm_off;  // normalised form: arena[norm_off, norm_off + norm_len)
  uint32_t norm_len;  // 0 for punctuation and symbols
  uint32_t stem_len;  // stem: arena[norm_off + stem_skip, ... + stem_len)
  uint8_t stem_skip;
  TokenKind kind;
  uint16_t flags;
  uint64_t norm_hash;  // Hash64(normalised form); 0 when norm_len == 0
  uint64_t stem_hash;  // Hash64(stem); equals norm_hash when stem == norm

  bool is(TokenFlag f) const { return (flags & f) != 0; }
  uint32_t size() const { return end - begin; }
};

// The analyser's tokens (AnalyzedText::tokens()).
using TokenVector = std::vector<Token, DefaultInitAllocator<Token>>;

// A sentence: byte span [begin, end) of the original text (first token's
// begin to last token's end, so no leading or trailing white space) and the
// range of its tokens [token_begin, token_end).
struct Sentence {
  uint32_t begin;
  uint32_t end;
  uint32_t token_begin;
  uint32_t token_end;
};

}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_TOKEN_H_
