// The model builder's pieces: ROUGE (checked against the values of
// /work/shared/eval/rouge.py, copied here), the oracle and the ranker.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workers/summarize/train/ranker.h"
#include "workers/summarize/train/rouge.h"

namespace qalam {
namespace summarize {
namespace {

using ::testing::ElementsAre;

TEST(Rouge, TokenisesAsTheProjectScorer) {
  EXPECT_THAT(RougeTokenStrings("أعلنت الحكومةُ أنّ ٱلاقتصادَ ـــ إلى Straße İstanbul ÉCOLE "
                                "don't 3.5 x_y"),
              ElementsAre("اعلنت", "الحكومه", "ان", "الاقتصاد", "الي", "straße", "i", "stanbul",
                          "école", "don", "t", "3", "5", "x", "y"));
}

TEST(Rouge, ScoresAsTheProjectScorer) {
  struct Case {
    const char* ref;
    const char* pred;
    double r1, r2, rl;  // rouge.py
  };
  const Case cases[] = {
      {"The cat sat on the mat.", "The cat was on the mat!", 0.8333333333, 0.6, 0.8333333333},
      {"أعلنت الحكومةُ أنّ الاقتصادَ سينمو هذا العام", "قالت الحكومة إن الاقتصاد سينمو العام المقبل",
       0.7142857143, 0.5, 0.7142857143},
      {"Police arrested 3 men in Paris on Friday", "Three men were arrested by police in Paris",
       0.625, 0.1428571429, 0.375},
      {"a b c d e", "e d c b a", 1.0, 0.0, 0.2},
  };
  for (const Case& c : cases) {
    const RougeScores s = Rouge(RougeTokens(c.ref), RougeTokens(c.pred));
    EXPECT_NEAR(s.rouge1, c.r1, 1e-9) << c.ref;
    EXPECT_NEAR(s.rouge2, c.r2, 1e-9) << c.ref;
    EXPECT_NEAR(s.rougeL, c.rl, 1e-9) << c.ref;
  }
  EXPECT_EQ(RougeL(RougeTokens(""), RougeTokens("x")), 0.0);
}

TEST(Rouge, GreedyOracleAddsWhatRaisesRouge) {
  const std::vector<std::vector<uint64_t>> sents = {
      RougeTokens("Weather was mild."), RougeTokens("The minister resigned on Monday."),
      RougeTokens("He left after ten years."), RougeTokens("The minister resigned.")};
  const auto ref = RougeTokens("The minister resigned on Monday after ten years.");
  EXPECT_THAT(GreedyOracle(sents, ref, 1), ElementsAre(1));
  EXPECT_THAT(GreedyOracle(sents, ref, 2), ElementsAre(1, 2));
  // Stops when nothing raises the score.
  EXPECT_LE(GreedyOracle(sents, ref, 4).size(), 3u);
}

// Two features; the positive sentence of each document has the larger first
// feature, the second is noise.
std::vector<RankingDoc> Synthetic() {
  std::vector<RankingDoc> docs;
  uint64_t s = 12345;
  auto next = [&s] {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s >> 11) / static_cast<double>(1ULL << 53);
  };
  for (int d = 0; d < 200; ++d) {
    RankingDoc doc;
    doc.n = 6;
    const uint32_t pos = d % 6;
    for (uint32_t i = 0; i < doc.n; ++i) {
      doc.x.push_back(i == pos ? 1.0 + next() : next());
      doc.x.push_back(next());
      doc.positive.push_back(i == pos);
    }
    docs.push_back(doc);
  }
  return docs;
}

TEST(Ranker, LearnsTheInformativeFeatureDeterministically) {
  RankerOptions o;
  auto w = FitPairwiseRanker(Synthetic(), 2, o);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_GT((*w)[0], 1.0);
  EXPECT_LT(std::abs((*w)[1]), 0.5 * (*w)[0]);
  auto again = FitPairwiseRanker(Synthetic(), 2, o);
  EXPECT_EQ(*again, *w);  // bit for bit
  o.c = 0.001;            // stronger regularisation: smaller weights
  auto small = FitPairwiseRanker(Synthetic(), 2, o);
  EXPECT_LT((*small)[0], (*w)[0]);
}

TEST(Ranker, RefusesUnusableInput) {
  RankingDoc d;
  d.n = 2;
  d.x = {1, 2, 3};
  d.positive = {1, 0};
  EXPECT_EQ(FitPairwiseRanker({d}, 2, RankerOptions()).status().code(),
            absl::StatusCode::kInvalidArgument);
  d.x = {1, 2, 3, 4};
  d.positive = {0, 0};
  EXPECT_EQ(FitPairwiseRanker({d}, 2, RankerOptions()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace summarize
}  // namespace qalam
