// Tokens from the Analyzer: kinds, spans, normalised forms, flags.
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workers/text/analyzer.h"
#include "workers/text/stemmer.h"
#include "workers/text/utf8.h"
#include "common/hash.h"

namespace qalam {
namespace text {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

std::vector<std::pair<std::string, std::string>> Toks(absl::string_view text) {
  Analyzer a;
  AnalyzedText doc;
  EXPECT_TRUE(a.Analyze(text, &doc).ok());
  std::vector<std::pair<std::string, std::string>> out;
  for (const Token& t : doc.tokens()) {
    out.emplace_back(TokenKindName(t.kind), std::string(doc.surface(t)));
  }
  return out;
}

std::vector<std::string> Norms(absl::string_view text) {
  Analyzer a;
  AnalyzedText doc;
  EXPECT_TRUE(a.Analyze(text, &doc).ok());
  std::vector<std::string> out;
  for (const Token& t : doc.tokens()) {
    if (IsWordLike(t.kind)) out.emplace_back(doc.norm(t));
  }
  return out;
}

TEST(Tokenizer, WordsAndPunctuationInArabic) {
  EXPECT_THAT(Toks("تشهد العلاقات الأمنية، بين قطر والولايات المتحدة."),
              ElementsAre(Pair("word", "تشهد"), Pair("word", "العلاقات"),
                          Pair("word", "الأمنية"), Pair("punct", "،"), Pair("word", "بين"),
                          Pair("word", "قطر"), Pair("word", "والولايات"),
                          Pair("word", "المتحدة"), Pair("punct", ".")));
}

TEST(Tokenizer, ApostrophesInsideEnglishWords) {
  EXPECT_THAT(Toks("Don't call O'Brien’s 'friend'"),
              ElementsAre(Pair("word", "Don't"), Pair("word", "call"), Pair("word", "O'Brien’s"),
                          Pair("punct", "'"), Pair("word", "friend"), Pair("punct", "'")));
}

TEST(Tokenizer, NumbersWithSeparators) {
  EXPECT_THAT(Toks("1,000.5 and 3.5% ٣٫٥ ١٬٠٠٠ 20.00 2015."),
              ElementsAre(Pair("number", "1,000.5"), Pair("word", "and"),
                          Pair("number", "3.5"), Pair("punct", "%"), Pair("number", "٣٫٥"),
                          Pair("number", "١٬٠٠٠"), Pair("number", "20.00"),
                          Pair("number", "2015"), Pair("punct", ".")));
  EXPECT_THAT(Norms("٣٫٥ ٢٠١٨"), ElementsAre("3٫5", "2018"));
}

TEST(Tokenizer, AlphanumericWordsStayWhole) {
  EXPECT_THAT(Toks("G7 3D 2015م"),
              ElementsAre(Pair("word", "G7"), Pair("word", "3D"), Pair("word", "2015م")));
}

TEST(Tokenizer, UrlsWithSchemeWwwAndBareDomains) {
  EXPECT_THAT(Toks("See https://www.bbc.com/arabic/news-43? or www.cnn.com, bbc.co.uk."),
              ElementsAre(Pair("word", "See"), Pair("url", "https://www.bbc.com/arabic/news-43"),
                          Pair("punct", "?"), Pair("word", "or"), Pair("url", "www.cnn.com"),
                          Pair("punct", ","), Pair("url", "bbc.co.uk"), Pair("punct", ".")));
  EXPECT_THAT(Toks("(http://en.wikipedia.org/wiki/Foo_(bar))"),
              ElementsAre(Pair("punct", "("), Pair("url", "http://en.wikipedia.org/wiki/Foo_(bar)"),
                          Pair("punct", ")")));
}

TEST(Tokenizer, EmailsMentionsAndHashtags) {
  EXPECT_THAT(Toks("Write to john.smith+news@example.co.uk. @qalam_ai #شيرين_عبد_الوهاب #1"),
              ElementsAre(Pair("word", "Write"), Pair("word", "to"),
                          Pair("email", "john.smith+news@example.co.uk"), Pair("punct", "."),
                          Pair("mention", "@qalam_ai"), Pair("hashtag", "#شيرين_عبد_الوهاب"),
                          Pair("punct", "#"), Pair("number", "1")));
}

TEST(Tokenizer, DottedAbbreviationsAreOneToken) {
  EXPECT_THAT(Toks("the U.S. and e.g. a.m. Ph.D."),
              ElementsAre(Pair("word", "the"), Pair("word", "U.S."), Pair("word", "and"),
                          Pair("word", "e.g."), Pair("word", "a.m."), Pair("word", "Ph.D.")));
}

TEST(Tokenizer, EnderRunsAreOneToken) {
  EXPECT_THAT(Toks("Wait... what?! ماذا؟! نعم.."),
              ElementsAre(Pair("word", "Wait"), Pair("punct", "..."), Pair("word", "what"),
                          Pair("punct", "?!"), Pair("word", "ماذا"), Pair("punct", "؟!"),
                          Pair("word", "نعم"), Pair("punct", "..")));
}

TEST(Tokenizer, ZeroWidthNonJoinerStaysInsideTheWord) {
  EXPECT_THAT(Toks("می\u200Cخواهم"), ElementsAre(Pair("word", "می\u200Cخواهم")));
  EXPECT_THAT(Norms("می\u200Cخواهم"), ElementsAre("ميخواهم"));
}

TEST(Tokenizer, NormalisedFormsAndStems) {
  Analyzer a;
  AnalyzedText doc;
  ASSERT_TRUE(a.Analyze("والمدرسةُ الكبرى Running", &doc).ok());
  ASSERT_EQ(doc.tokens().size(), 3u);
  EXPECT_EQ(doc.norm(doc.tokens()[0]), "والمدرسة");
  EXPECT_EQ(doc.stem(doc.tokens()[0]), "مدرس");
  EXPECT_EQ(doc.norm(doc.tokens()[1]), "الكبري");
  EXPECT_EQ(doc.norm(doc.tokens()[2]), "running");
  EXPECT_EQ(doc.stem(doc.tokens()[2]), "run");
  EXPECT_TRUE(doc.tokens()[2].is(kTokUpper));
  EXPECT_TRUE(doc.tokens()[0].is(kTokArabic));
  EXPECT_TRUE(doc.tokens()[2].is(kTokLatin));
}

TEST(Tokenizer, StopWordsAreFlagged) {
  Analyzer a;
  AnalyzedText doc;
  ASSERT_TRUE(a.Analyze("في الكتاب the book إلى", &doc).ok());
  std::vector<bool> stop;
  for (const Token& t : doc.tokens()) stop.push_back(t.is(kTokStop));
  EXPECT_THAT(stop, ElementsAre(true, false, true, false, true));
}

TEST(Tokenizer, FlagsSpaceNewlineAndParagraph) {
  Analyzer a;
  AnalyzedText doc;
  ASSERT_TRUE(a.Analyze("a b\nc\r\n\r\nd(e", &doc).ok());
  const auto& t = doc.tokens();
  ASSERT_EQ(t.size(), 6u);
  EXPECT_TRUE(t[0].is(kTokSpaceBefore));
  EXPECT_TRUE(t[1].is(kTokSpaceBefore));
  EXPECT_FALSE(t[1].is(kTokNewlineBefore));
  EXPECT_TRUE(t[2].is(kTokNewlineBefore));
  EXPECT_FALSE(t[2].is(kTokParagraphBefore));
  EXPECT_TRUE(t[3].is(kTokParagraphBefore));
  EXPECT_FALSE(t[4].is(kTokSpaceBefore));
  EXPECT_EQ(doc.word_count(), 5u);
}

TEST(Tokenizer, WordCountExcludesPunctuationAndSymbols) {
  Analyzer a;
  AnalyzedText doc;
  ASSERT_TRUE(a.Analyze("قال: «نعم» — 100% !", &doc).ok());
  EXPECT_EQ(doc.word_count(), 3u);
}

TEST(Tokenizer, EmptyAndBlankTexts) {
  Analyzer a;
  AnalyzedText doc;
  ASSERT_TRUE(a.Analyze("", &doc).ok());
  EXPECT_TRUE(doc.tokens().empty());
  EXPECT_TRUE(doc.sentences().empty());
  ASSERT_TRUE(a.Analyze(" \n\t\u200B ", &doc).ok());
  EXPECT_TRUE(doc.tokens().empty());
}

// Invalid UTF-8 is refused at ingress, but the analyser must still not crash
// or read out of bounds on it.
TEST(Tokenizer, SurvivesInvalidUtf8) {
  Analyzer a;
  AnalyzedText doc;
  std::string bad = "abc \xFF\xFE \xD9 \xE2\x82 x\xF0";
  ASSERT_TRUE(a.Analyze(bad, &doc).ok());
  for (const Token& t : doc.tokens()) {
    EXPECT_LE(t.begin, t.end);
    EXPECT_LE(t.end, bad.size());
  }
}

TEST(Tokenizer, ReusedScratchGivesTheSameTokens) {
  Analyzer a;
  AnalyzedText doc;
  ASSERT_TRUE(a.Analyze("first text, longer than the second one.", &doc).ok());
  ASSERT_TRUE(a.Analyze("قطر.", &doc).ok());
  ASSERT_EQ(doc.tokens().size(), 2u);
  EXPECT_EQ(doc.norm(doc.tokens()[0]), "قطر");
}

}  // namespace
}  // namespace text
}  // namespace qalam

namespace qalam {
namespace text {
namespace {

// The analyser normalises words on several paths (SIMD runs, a scalar
// bitmap run, the general step, spans for URLs); whatever the path, a
// token's normalised form must be what the Normalizer gives for its
// surface, and its hashes and stem must match.
void ExpectTokensConsistent(const Analyzer& a, absl::string_view text) {
  AnalyzedText doc;
  ASSERT_TRUE(a.Analyze(text, &doc).ok());
  std::string expect;
  for (const Token& t : doc.tokens()) {
    if (!IsWordLike(t.kind)) continue;
    expect.clear();
    a.normalizer().Normalize(doc.surface(t), &expect);
    ASSERT_EQ(doc.norm(t), expect) << "surface: " << doc.surface(t);
    ASSERT_EQ(t.norm_hash, Hash64(doc.norm(t))) << doc.surface(t);
    ASSERT_EQ(t.stem_hash, Hash64(doc.stem(t))) << doc.surface(t);
    ASSERT_LE(t.stem_skip + t.stem_len, t.norm_len);
    if (t.kind == TokenKind::kWord && t.is(kTokArabic)) {
      StemSpan s = StemArabic(doc.norm(t));
      ASSERT_EQ(doc.stem(t), doc.norm(t).substr(s.skip, s.len)) << doc.surface(t);
    }
  }
}

TEST(Tokenizer, EveryPathNormalisesLikeTheNormalizer) {
  for (bool teh : {false, true}) {
    AnalyzerOptions o;
    o.normalizer.fold_teh_marbuta = teh;
    Analyzer a(o);
    // Every two-byte character, in words of 1 to 20 copies, between Arabic
    // words and before each kind of terminator, so that every fast path is
    // taken with it.
    for (uint32_t cp = 0x80; cp < 0x800; ++cp) {
      std::string ch;
      AppendUtf8(cp, &ch);
      std::string text = "كتب ";
      for (int n = 1; n <= 20; n += 3) {
        for (int i = 0; i < n; ++i) text += ch;
        text += (n % 2) ? " " : "، ";
        text += "ال";
        for (int i = 0; i < n; ++i) text += ch;
        text += "ون. قال";
        text += ch;
        text += "\n";
      }
      text += std::string(20, ' ');
      ExpectTokensConsistent(a, text);
    }
  }
}

// The Arabic fast path stems a word from registers and from the arena
// (the last four letters read back with one load): every word of up to 4
// letters over the letters of Light10's affixes and two others, and longer
// ones ending in chains of suffixes, must get the stem StemArabic gives.
TEST(Tokenizer, ArabicFastPathStemsLikeTheStemmer) {
  const std::vector<std::string> alphabet = {"ا", "ل", "و", "ب", "ك", "ف", "ه",
                                             "ت", "ن", "ي", "ة", "ر", "س"};
  std::vector<std::string> words = {""}, all;
  for (int len = 1; len <= 4; ++len) {
    std::vector<std::string> longer;
    for (const std::string& w : words) {
      for (const std::string& l : alphabet) longer.push_back(w + l);
    }
    words.swap(longer);
    all.insert(all.end(), words.begin(), words.end());
  }
  std::mt19937 rng(5);
  const char* const tails[] = {"ها", "اتها", "ينها", "ونها", "يةه", "يةي", "ياتها", "انين",
                               "يهي", "ةي", "يةية", "اتين", "ونيه", "هي", "ةه", "يه"};
  for (int i = 0; i < 20000; ++i) {
    std::string w;
    const int len = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < len; ++k) w += alphabet[rng() % alphabet.size()];
    all.push_back(w + tails[rng() % (sizeof(tails) / sizeof(tails[0]))]);
  }
  for (bool teh : {false, true}) {
    AnalyzerOptions o;
    o.normalizer.fold_teh_marbuta = teh;
    Analyzer a(o);
    std::string text;
    for (size_t i = 0; i < all.size(); ++i) {
      text += all[i];
      text += i % 7 == 6 ? ". " : " ";
      if (text.size() > 4000 || i + 1 == all.size()) {
        ExpectTokensConsistent(a, text);
        if (HasFatalFailure()) return;
        text.clear();
      }
    }
  }
}

TEST(Tokenizer, EnglishWordsOfEveryShapeNormaliseLikeTheNormalizer) {
  Analyzer a;
  std::string text;
  const char* words[] = {"The", "RUNNING", "classes", "ponies", "Obama's", "don't", "U.S.",
                         "e.g.", "bbc.com", "COVID-19", "G7", "talked", "quickly", "a", "I",
                         "internationalisation", "abcdefghijklmnop", "abcdefghijklmnopq",
                         "Reuters", "café", "naïve", "x"};
  for (int rep = 0; rep < 3; ++rep) {
    for (const char* w : words) {
      for (const char* sep : {" ", ", ", ". ", "\n", "; ", "(", ") ", "'", "-", "@x.org "}) {
        text += w;
        text += sep;
      }
    }
  }
  ExpectTokensConsistent(a, text);
}

TEST(Tokenizer, RealNewsNormalisesLikeTheNormalizer) {
  std::ifstream in(std::string(QALAM_SOURCE_DIR) + "/examples/sample.jsonl");
  std::string line;
  Analyzer a;
  int n = 0;
  while (std::getline(in, line)) {
    ExpectTokensConsistent(a, line);  // JSON escapes and all: any text will do
    ++n;
  }
  EXPECT_GT(n, 100);
}

}  // namespace
}  // namespace text
}  // namespace qalam

namespace qalam {
namespace text {

// Turns off the fast paths of an Analyzer: its general path alone is the
// reference the fast paths must agree with, field for field.
class AnalyzerTestPeer {
 public:
  static void DisableFastPaths(Analyzer* a) { a->fast_paths_ = false; }
};

namespace {

// Everything the Analyzer produces, compared between its fast paths and
// its general path alone (norm_off aside: where a form sits in the arena
// is the analyser's business).
void ExpectSameAsGeneralPath(const Analyzer& fast, const Analyzer& slow, absl::string_view text) {
  AnalyzedText a, b;
  ASSERT_TRUE(fast.Analyze(text, &a).ok());
  ASSERT_TRUE(slow.Analyze(text, &b).ok());
  auto list = [](const AnalyzedText& d) {
    std::string s;
    for (const Token& t : d.tokens()) {
      s += "[";
      s += std::string(d.surface(t));
      s += "]";
    }
    return s;
  };
  ASSERT_EQ(a.tokens().size(), b.tokens().size())
      << "text: " << text << "\nfast: " << list(a) << "\ngeneral: " << list(b);
  for (size_t i = 0; i < a.tokens().size(); ++i) {
    const Token& x = a.tokens()[i];
    const Token& y = b.tokens()[i];
    ASSERT_EQ(x.begin, y.begin) << i << " text: " << text;
    ASSERT_EQ(x.end, y.end) << i << " text: " << text;
    ASSERT_EQ(x.kind, y.kind) << i << " text: " << text;
    ASSERT_EQ(x.flags, y.flags) << i << " text: " << text;
    ASSERT_EQ(a.norm(x), b.norm(y)) << i << " text: " << text;
    ASSERT_EQ(x.stem_skip, y.stem_skip) << i << " text: " << text;
    ASSERT_EQ(a.stem(x), b.stem(y)) << i << " text: " << text;
    ASSERT_EQ(x.norm_hash, y.norm_hash) << i << " text: " << text;
    ASSERT_EQ(x.stem_hash, y.stem_hash) << i << " text: " << text;
  }
  ASSERT_EQ(a.marks(), b.marks()) << "text: " << text;
  ASSERT_EQ(a.sentences().size(), b.sentences().size()) << "text: " << text;
  for (size_t i = 0; i < a.sentences().size(); ++i) {
    ASSERT_EQ(a.sentences()[i].begin, b.sentences()[i].begin) << "text: " << text;
    ASSERT_EQ(a.sentences()[i].end, b.sentences()[i].end) << "text: " << text;
    ASSERT_EQ(a.sentences()[i].token_begin, b.sentences()[i].token_begin) << "text: " << text;
    ASSERT_EQ(a.sentences()[i].token_end, b.sentences()[i].token_end) << "text: " << text;
  }
  ASSERT_EQ(a.word_count(), b.word_count()) << "text: " << text;
  ASSERT_EQ(a.letters_by_script(), b.letters_by_script()) << "text: " << text;
}

std::vector<AnalyzerOptions> AllOptions() {
  std::vector<AnalyzerOptions> out(3);
  out[1].normalizer.fold_teh_marbuta = true;
  out[2].stems = false;
  return out;
}

// Characters that may follow a word: every ASCII byte, and non-ASCII ones
// of every class the analyser treats apart (Arabic punctuation, letters of
// the fast and slow kinds, marks, joiners, spaces, quotes, digits, emoji).
std::vector<std::string> Followers() {
  std::vector<std::string> out;
  for (int c = 0; c < 128; ++c) out.emplace_back(1, static_cast<char>(c));
  for (const char* s : {"،", "؛", "؟", "ـ", "\u064B", "\u0670", "\u200C", "\u200D", "\u00A0",
                        "\u2009", "\u2028", "’", "‘", "…", "«", "»", "“", "é", "É", "ß", "ب",
                        "أ", "ى", "ة", "ٱ", "پ", "ک", "١", "٫", "٬", "۔", "ω", "я", "中", "😀",
                        "\xEF\xBB\xBF", "\u06D4", "\u3002"}) {
    out.emplace_back(s);
  }
  return out;
}

// A word of `n` letters of one kind, cycling through letters that exercise
// normalisation and stemming.
std::string Word(int kind, int n) {
  static const char* const kArabic[] = {"و", "ا", "ل", "ك", "ت", "أ", "ب", "ى", "ة", "ه",
                                        "ي", "ن", "ٱ", "إ", "آ", "ف", "م", "ع"};
  static const char* const kArabicRare[] = {"ك", "ت", "ب", "\u064E", "پ", "ا", "ی"};
  static const char* const kLatin[] = {"R", "u", "n", "n", "i", "n", "g", "s", "e",
                                       "d", "l", "y", "a", "T", "h", "o", "z", "b"};
  std::string w;
  for (int i = 0; i < n; ++i) {
    switch (kind) {
      case 0: w += kArabic[(i * 7 + n) % 18]; break;
      case 1: w += kArabic[(n - 1 - i) % 18]; break;  // endings of every sort
      case 2: w += kArabicRare[(i + n) % 7]; break;
      case 3: w += kLatin[(i * 5 + n) % 18]; break;
      case 4: w += kLatin[(n - 1 - i) % 18]; break;
      case 5: w += static_cast<char>('A' + (i % 26)); break;  // all upper case
      case 6: w += static_cast<char>('0' + (i * 3 + n) % 10); break;
    }
  }
  if (kind == 7) {  // words that may start URLs, abbreviations, domains
    static const char* const kWords[] = {"http",   "https",       "ftp",  "www",   "HTTP",
                                         "Ftp",    "U",           "e",    "Ph",    "bbc",
                                         "co",     "mr",          "No",   "a",     "don't",
                                         "OBAMA'S", "o'brien'sss", "it's", "x'y'z", "rock'n"};
    w = kWords[n % 20];
  }
  return w;
}

// Calls check(fast, slow, option index, word) for every set of options
// (AllOptions), with an analyser and one restricted to its general path,
// and for every test word (Word: each kind, every length); stops at the
// first fatal failure.
template <typename Check>
void ForEveryWordAndOptions(Check check) {
  const std::vector<AnalyzerOptions> options = AllOptions();
  for (size_t oi = 0; oi < options.size(); ++oi) {
    Analyzer fast(options[oi]), slow(options[oi]);
    AnalyzerTestPeer::DisableFastPaths(&slow);
    for (int kind = 0; kind < 8; ++kind) {
      for (int n = 1; n <= (kind == 7 ? 20 : 18); ++n) {
        check(fast, slow, oi, Word(kind, n));
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

// The fast paths classify 16 or 32 bytes at a time and need 16, 17 or 32
// bytes after a token's start: words of every length up to past those
// windows, followed by every kind of character, then by a second
// character, then by text ending at every distance around the windows'.
TEST(Tokenizer, FastPathsAgreeWithTheGeneralPath) {
  const std::vector<std::string> followers = Followers();
  ForEveryWordAndOptions([&](const Analyzer& fast, const Analyzer& slow, size_t oi,
                             const std::string& word) {
    for (size_t fi = 0; fi < followers.size(); ++fi) {
      // The other options change only the Arabic letters and stems: fewer
      // followers will do for them.
      if (oi > 0 && fi % 5 != 0) continue;
      const std::string& f = followers[fi];
      for (const char* next : {" ", "a", "1", "ب", "'", ".", "//x"}) {
        for (int pad : {0, 1, 15, 16, 17, 31, 32, 33}) {
          for (const char* before : {"", "\n", "x("}) {
            std::string text = before + word + f + next;
            text.append(static_cast<size_t>(pad), pad % 2 ? ' ' : 'q');
            ExpectSameAsGeneralPath(fast, slow, text);
            if (HasFatalFailure()) return;
          }
        }
      }
    }
  });
}

// Texts that end right after a word, a number or a mark, of every length
// and at every distance from the start, each analysed from a heap buffer of
// exactly its size: under AddressSanitizer any read past the text fails
// here. (A long Arabic word ending the text was read one byte past it; the
// fuzzer found it, these texts now cover it.)
TEST(Tokenizer, FastPathsReadNothingPastTheText) {
  ForEveryWordAndOptions([&](const Analyzer& fast, const Analyzer& slow, size_t,
                             const std::string& word) {
    for (const char* last : {"", ".", "\u060C", "\u064B", " ", "?!", "\u00BB"}) {
      for (int before : {0, 1, 2, 15, 16, 17, 31, 33}) {
        std::string text(static_cast<size_t>(before), before % 2 ? ' ' : 'q');
        if (before > 0) text.back() = ' ';
        text += word + last;
        std::unique_ptr<char[]> exact(new char[text.size()]);
        std::memcpy(exact.get(), text.data(), text.size());
        ExpectSameAsGeneralPath(fast, slow, absl::string_view(exact.get(), text.size()));
        if (HasFatalFailure()) return;
      }
    }
  });
}

// Random mixtures of words, numbers, URLs, punctuation and white space.
TEST(Tokenizer, FastPathsAgreeWithTheGeneralPathOnRandomText) {
  const char* const pieces[] = {
      "the", "The", "RUNNING", "classes", "ponies", "don't", "O'Brien", "U.S.", "e.g.", "a.m.",
      "bbc.com", "www.cnn.com", "https://x.org/a_(b)", "john@example.com", "@user", "#tag",
      "#شيرين_عبد", "COVID-19", "G7", "1,000.5", "3.5", "2015", "2015م", "٣٫٥", "café",
      "internationalisation", "abcdefghijklmnopq", "http", "ftp:", "said:", "Mr.", "Inc.",
      "في", "من", "الكتاب", "والمدرسةُ", "الكبرى", "أحمد", "إلى", "ٱلله", "مدرستها",
      "والولايات", "المتحدة", "فالكتاب", "للطالب", "يكتبون", "معلمات", "عربية", "مستشفياتها",
      "كتـــاب", "پاکستان", "می\u200Cخواهم", "عاماً", " ", " ", " ", "  ", "\n", "\n\n", "\r\n",
      "\t", "\u00A0", ".", ". ", "...", "…", "?", "!", "؟", "?!", ",", "،", "؛", ";", ":",
      "-", "—", "(", ")", "[", "]", "«", "»", "“", "”", "\"", "'", "’", "/", "%", "$", "😀",
      "\u200B", "\u200F", "\x01"};
  const size_t kPieces = sizeof(pieces) / sizeof(pieces[0]);
  std::mt19937 rng(11);
  for (const AnalyzerOptions& o : AllOptions()) {
    Analyzer fast(o), slow(o);
    AnalyzerTestPeer::DisableFastPaths(&slow);
    for (int t = 0; t < 3000; ++t) {
      std::string text(rng() % 18, ' ');
      const int n = 1 + static_cast<int>(rng() % 60);
      for (int i = 0; i < n; ++i) text += pieces[rng() % kPieces];
      ExpectSameAsGeneralPath(fast, slow, text);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(Tokenizer, FastPathsAgreeWithTheGeneralPathOnRealNews) {
  std::ifstream in(std::string(QALAM_SOURCE_DIR) + "/examples/sample.jsonl");
  std::string line;
  for (const AnalyzerOptions& o : AllOptions()) {
    Analyzer fast(o), slow(o);
    AnalyzerTestPeer::DisableFastPaths(&slow);
    in.clear();
    in.seekg(0);
    int n = 0;
    while (std::getline(in, line)) {
      ExpectSameAsGeneralPath(fast, slow, line);
      if (HasFatalFailure()) return;
      ++n;
    }
    EXPECT_GT(n, 100);
  }
}

}  // namespace
}  // namespace text
}  // namespace qalam
