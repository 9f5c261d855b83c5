// Sentence boundaries. The Arabic cases are real sentences from the ANT
// multi-source corpus (BBC Arabic, CNN Arabic, Al Arabiya; Apache-2.0).
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace text {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Sents(absl::string_view text) {
  Analyzer a;
  AnalyzedText doc;
  EXPECT_TRUE(a.Analyze(text, &doc).ok());
  std::vector<std::string> out;
  uint32_t prev_end = 0;
  for (const Sentence& s : doc.sentences()) {
    EXPECT_LE(prev_end, s.begin);
    EXPECT_LT(s.begin, s.end);
    EXPECT_LE(s.end, text.size());
    prev_end = s.end;
    out.emplace_back(text.substr(s.begin, s.end - s.begin));
  }
  return out;
}

TEST(Sentences, EnglishEnders) {
  EXPECT_THAT(Sents("The internet empowers us. Today, two billion are online! Why? Nobody knows."),
              ElementsAre("The internet empowers us.", "Today, two billion are online!", "Why?",
                          "Nobody knows."));
}

TEST(Sentences, NoBreakAtDecimalsAbbreviationsAndInitials) {
  EXPECT_THAT(Sents("Prices rose 3.5 percent, Dr. Smith said. J. R. R. Tolkien wrote it, "
                    "e.g. The Hobbit. Mr. and Mrs. Jones came at 10 a.m. on Friday."),
              ElementsAre("Prices rose 3.5 percent, Dr. Smith said.",
                          "J. R. R. Tolkien wrote it, e.g. The Hobbit.",
                          "Mr. and Mrs. Jones came at 10 a.m. on Friday."));
}

TEST(Sentences, DottedAcronymsBreakOnlyBeforeASentenceStarter) {
  EXPECT_THAT(Sents("U.S. officials met U.S. President Obama in the U.S. The talks ended."),
              ElementsAre("U.S. officials met U.S. President Obama in the U.S.",
                          "The talks ended."));
}

TEST(Sentences, UrlsAndEmailsDoNotBreak) {
  EXPECT_THAT(Sents("Visit www.cnn.com. Mail news@bbc.co.uk for tips. Done."),
              ElementsAre("Visit www.cnn.com.", "Mail news@bbc.co.uk for tips.", "Done."));
}

TEST(Sentences, ClosingQuotesAndBracketsStayWithTheirSentence) {
  EXPECT_THAT(Sents("He said: \"We won.\" Then he left. (It was late.) Next."),
              ElementsAre("He said: \"We won.\"", "Then he left.", "(It was late.)", "Next."));
  EXPECT_THAT(Sents("قال: «انتهى الأمر.» ثم غادر."),
              ElementsAre("قال: «انتهى الأمر.»", "ثم غادر."));
}

TEST(Sentences, EllipsisInsideASentence) {
  EXPECT_THAT(Sents("It was... well, odd. Fine (...) we go on. End"),
              ElementsAre("It was... well, odd.", "Fine (...) we go on.", "End"));
}

TEST(Sentences, NumberedListItemsAreNotSplitAfterTheNumber) {
  EXPECT_THAT(Sents("Five rules:\n1. Find a love for it.\n2. Keep it simple."),
              ElementsAre("Five rules:", "1. Find a love for it.", "2. Keep it simple."));
}

TEST(Sentences, ParagraphBreaksAlwaysEndASentence) {
  EXPECT_THAT(Sents("A headline without a full stop\nThe body starts here. It goes on"),
              ElementsAre("A headline without a full stop", "The body starts here.",
                          "It goes on"));
}

TEST(Sentences, QuestionInsideQuotesFollowedBySaid) {
  // en-cnn's gold (and ICU) end a sentence after ?" even before "he said".
  EXPECT_THAT(Sents("\"Is it over?\" he asked. Yes."),
              ElementsAre("\"Is it over?\"", "he asked.", "Yes."));
}

TEST(Sentences, SpacedEllipsisIsNotThreeBoundaries) {
  EXPECT_THAT(Sents("post . . . child pornography. Next"),
              ElementsAre("post . . . child pornography.", "Next"));
}

TEST(Sentences, ArabicEndersAndQuestionMark) {
  EXPECT_THAT(
      Sents("كان سعيداً لمجرّد ترشيحه لنيل هذه الجائزة، فكيف إذا أعلن فوزه فيها؟ "
            "وقال هارون في كلمته التي تلت إعلان فوزه بالجائزة، عبارة لن تنسى."),
      ElementsAre("كان سعيداً لمجرّد ترشيحه لنيل هذه الجائزة، فكيف إذا أعلن فوزه فيها؟",
                  "وقال هارون في كلمته التي تلت إعلان فوزه بالجائزة، عبارة لن تنسى."));
}

TEST(Sentences, ArabicMissingSpaceAfterPeriod) {
  EXPECT_THAT(Sents("في الدورة 66 لمهرجان برلين السينمائي.كما تحصل بطل الفيلم على جائزة."),
              ElementsAre("في الدورة 66 لمهرجان برلين السينمائي.",
                          "كما تحصل بطل الفيلم على جائزة."));
}

TEST(Sentences, ArabicDecimalsAndTimes) {
  EXPECT_THAT(Sents("سينشر الفيديو الساعة 20.00 يوم الجمعة. وبلغ النمو ٣٫٥ بالمئة."),
              ElementsAre("سينشر الفيديو الساعة 20.00 يوم الجمعة.", "وبلغ النمو ٣٫٥ بالمئة."));
}

TEST(Sentences, ArabicTitleAbbreviation) {
  EXPECT_THAT(Sents("وقال د. محمد العلي إن الوضع مستقر. وأضاف أن الحل قريب."),
              ElementsAre("وقال د. محمد العلي إن الوضع مستقر.", "وأضاف أن الحل قريب."));
}

TEST(Sentences, ArabicEllipsisInsideQuotedSpeech) {
  EXPECT_THAT(Sents("وعلق عليها قائلا \"الحمد لله على نعمة الحرية.. قدر الله وما شاء فعل\". "
                    "ثم غادر."),
              ElementsAre("وعلق عليها قائلا \"الحمد لله على نعمة الحرية.. قدر الله وما شاء فعل\".",
                          "ثم غادر."));
}

TEST(Sentences, ArabicHashtagsAndUrlsInsideSentences) {
  EXPECT_THAT(Sents("أطلق الفنان #سعد_لمجرد أغنيته. التفاصيل على https://www.alarabiya.net/ar. "
                    "انتهى"),
              ElementsAre("أطلق الفنان #سعد_لمجرد أغنيته.",
                          "التفاصيل على https://www.alarabiya.net/ar.", "انتهى"));
}

TEST(Sentences, UrduFullStop) {
  EXPECT_THAT(Sents("یہ پہلا جملہ ہے۔ یہ دوسرا ہے۔"),
              ElementsAre("یہ پہلا جملہ ہے۔", "یہ دوسرا ہے۔"));
}

TEST(Sentences, TextWithoutAnyBoundaryIsOneSentence) {
  EXPECT_THAT(Sents("  no boundary at all here  "), ElementsAre("no boundary at all here"));
}

TEST(Sentences, TokenRangesCoverEveryTokenOnce) {
  Analyzer a;
  AnalyzedText doc;
  ASSERT_TRUE(a.Analyze("One. Two three! «أربعة»؟ خمسة\nستة.", &doc).ok());
  uint32_t next = 0;
  for (const Sentence& s : doc.sentences()) {
    EXPECT_EQ(s.token_begin, next);
    EXPECT_LT(s.token_begin, s.token_end);
    EXPECT_EQ(s.begin, doc.tokens()[s.token_begin].begin);
    EXPECT_EQ(s.end, doc.tokens()[s.token_end - 1].end);
    next = s.token_end;
  }
  EXPECT_EQ(next, doc.tokens().size());
}

}  // namespace
}  // namespace text
}  // namespace qalam
