#include "workers/summarize/df_table.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workers/summarize/terms.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace summarize {
namespace {

class Doc {
 public:
  explicit Doc(const std::string& text) : text_(text) {
    EXPECT_TRUE(text::Analyzer().Analyze(text_, &doc_).ok());
  }
  const text::AnalyzedText& get() const { return doc_; }

 private:
  std::string text_;
  text::AnalyzedText doc_;
};

std::vector<internal::KeywordToken> Tokens(const Doc& d, const DfTable* lexicon = nullptr) {
  std::vector<internal::KeywordToken> out;
  internal::KeywordTokens(d.get(), lexicon, &out);
  return out;
}

TEST(KeywordTokens, CliticAndCaseVariantsShareAKey) {
  Doc d("الحكومة والحكومة بالحكومة للحكومة Elections election ELECTIONS");
  const auto t = Tokens(d);
  ASSERT_EQ(t.size(), 7u);
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ(t[i].key, t[0].key) << i;
  EXPECT_EQ(t[5].key, t[4].key);
  // All-capital words are acronyms, kept as written (US, UN, EU).
  EXPECT_NE(t[6].key, t[4].key);
}

TEST(KeywordTokens, RunsBreakAtStopWordsPunctuationAndNumbers) {
  Doc d("rising food prices, the central bank in 2024 and state-owned banks");
  const auto t = Tokens(d);
  std::vector<bool> join;
  for (const auto& k : t) join.push_back((k.flags & internal::kKwJoin) != 0);
  // rising food prices | central bank | state owned banks
  EXPECT_THAT(join, ::testing::ElementsAre(false, true, true, false, true, false, true, true));
}

TEST(KeywordTokens, HashtagsSplitIntoAPhrase) {
  Doc d("أغنية جديدة #شيرين_عبد_الوهاب");
  const auto t = Tokens(d);
  ASSERT_EQ(t.size(), 5u);
  EXPECT_FALSE(t[2].flags & internal::kKwJoin);  // '#' starts a new run
  EXPECT_TRUE(t[3].flags & internal::kKwJoin);
  EXPECT_TRUE(t[4].flags & internal::kKwJoin);
}

TEST(KeywordTokens, LexiconDecidesWhetherALetterIsAClitic) {
  Doc d("وبريطانيا بريطانيا ليلى يلي");
  const auto& toks = d.get().tokens();
  // A lexicon in which بريطانيا is common and وبريطانيا rare; يلي only
  // twice as common as ليلى.
  std::vector<std::pair<uint64_t, uint32_t>> e = {{toks[0].norm_hash, 10},
                                                  {toks[1].norm_hash, 500},
                                                  {toks[2].norm_hash, 100},
                                                  {toks[3].norm_hash, 200}};
  std::sort(e.begin(), e.end());
  const DfTable lexicon(1000, e);
  const auto t = Tokens(d, &lexicon);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].key, t[1].key);
  EXPECT_EQ(t[0].drop, 1);
  EXPECT_EQ(t[2].drop, 0);  // ليلى keeps its lam
  EXPECT_NE(t[2].key, t[3].key);
}

bool SameTokens(const std::vector<internal::KeywordToken>& a,
                const std::vector<internal::KeywordToken>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].begin != b[i].begin || a[i].end != b[i].end ||
        a[i].sentence != b[i].sentence || a[i].drop != b[i].drop || a[i].flags != b[i].flags) {
      return false;
    }
  }
  return true;
}

TEST(KeywordTokens, WordKeyCacheChangesNothing) {
  Doc d(
      "والحكومة الحكومة للحكومة للغة اللغة وبريطانيا بريطانيا ليلى يلي فهو بأن في "
      "كبرى كان 2024م ولبنان لبنان بالقاهرة القاهرة مـصـر مصر #هاني_شاكر هاني "
      "Elections election US New York الحكومة والحكومة للحكومة للغة وبريطانيا ليلى فهو "
      "بالقاهرة مـصـر 2024م كبرى ولبنان");
  const auto& toks = d.get().tokens();
  std::vector<std::pair<uint64_t, uint32_t>> e = {{toks[6].norm_hash, 500},
                                                  {toks[5].norm_hash, 10},
                                                  {toks[8].norm_hash, 200},
                                                  {toks[7].norm_hash, 100},
                                                  {toks[4].norm_hash, 50}};
  std::sort(e.begin(), e.end());
  e.erase(std::unique(e.begin(), e.end(),
                      [](const auto& x, const auto& y) { return x.first == y.first; }),
          e.end());
  const DfTable lexicon(1000, e);
  for (const DfTable* lex : {static_cast<const DfTable*>(nullptr), &lexicon}) {
    std::vector<internal::KeywordToken> plain;
    internal::KeywordTokens(d.get(), lex, &plain);
    ASSERT_GT(plain.size(), 20u);
    internal::WordKeyCache cache;
    for (int pass = 0; pass < 3; ++pass) {  // the first fills the cache
      std::vector<internal::KeywordToken> cached;
      internal::KeywordTokens(d.get(), lex, &cached, &cache);
      EXPECT_TRUE(SameTokens(plain, cached)) << "lexicon " << (lex != nullptr) << " pass " << pass;
    }
  }
  // One cache used with two lexicons in turn.
  internal::WordKeyCache cache;
  for (int pass = 0; pass < 2; ++pass) {
    for (const DfTable* lex : {static_cast<const DfTable*>(nullptr), &lexicon}) {
      std::vector<internal::KeywordToken> plain, cached;
      internal::KeywordTokens(d.get(), lex, &plain);
      internal::KeywordTokens(d.get(), lex, &cached, &cache);
      EXPECT_TRUE(SameTokens(plain, cached)) << "lexicon " << (lex != nullptr) << " pass " << pass;
    }
  }
}

TEST(LogCount, EqualsLibmLog) {
  for (uint64_t k = 0; k < 3 * internal::kLogTableSize; ++k) {
    volatile double x = static_cast<double>(k);
    const double want = std::log(x);
    const double got = internal::LogCount(k);
    EXPECT_EQ(std::memcmp(&want, &got, sizeof(double)), 0) << k;
  }
}

TEST(DfTableBuilder, CountsDocumentsNotOccurrences) {
  DfTableBuilder b(nullptr);
  Doc t1("Floods in the north"), b1("Floods hit the north. Floods again."), t2(""),
      b2("Dry weather in the south.");
  b.AddDocument(t1.get(), b1.get());
  b.AddDocument(t2.get(), b2.get());
  EXPECT_EQ(b.num_docs(), 2u);
  const DfTable stems = b.BuildStemDf();
  const auto& tok = b1.get().tokens();
  EXPECT_EQ(stems.Count(tok[0].stem_hash), 1u);  // "Floods", three times in one document
  EXPECT_EQ(stems.num_docs(), 2u);
  const DfTable phrases = b.BuildPhraseDf(1);
  EXPECT_GT(phrases.size(), stems.size());  // words and phrases
  // "floods hit" and "dry weather" occur in one document each: pruned.
  EXPECT_EQ(b.BuildPhraseDf(2).size(), phrases.size() - 2);
}

TEST(LexiconBuilder, CountsArabicWords) {
  LexiconBuilder lb;
  Doc a("مصر ومصر مصر"), e("Egypt Egypt");
  lb.AddText(a.get());
  lb.AddText(e.get());
  const DfTable lex = lb.Build(2);
  EXPECT_EQ(lex.size(), 1u);
  EXPECT_EQ(lex.Count(a.get().tokens()[0].norm_hash), 2u);
  EXPECT_EQ(lex.num_docs(), 2u);
}

}  // namespace
}  // namespace summarize
}  // namespace qalam
