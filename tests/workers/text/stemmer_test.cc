#include "workers/text/stemmer.h"

#include <string>

#include "gtest/gtest.h"
#include "workers/text/stopwords.h"

namespace qalam {
namespace text {
namespace {

std::string Ar(absl::string_view w) {
  StemSpan s = StemArabic(w);
  return std::string(w.substr(s.skip, s.len));
}
std::string En(absl::string_view w) {
  StemSpan s = StemEnglish(w);
  return std::string(w.substr(s.skip, s.len));
}

TEST(ArabicStemmer, StripsArticlesAndConjunction) {
  EXPECT_EQ(Ar("الكتاب"), "كتاب");
  EXPECT_EQ(Ar("والكتاب"), "كتاب");
  EXPECT_EQ(Ar("بالمدينه"), "مدين");
  EXPECT_EQ(Ar("للطلاب"), "طلاب");
  EXPECT_EQ(Ar("وقال"), "قال");
}

TEST(ArabicStemmer, StripsSuffixes) {
  EXPECT_EQ(Ar("المعلمون"), "معلم");
  EXPECT_EQ(Ar("المعلمين"), "معلم");
  EXPECT_EQ(Ar("سياراتها"), "سيار");
  EXPECT_EQ(Ar("العربية"), "عرب");
}

TEST(ArabicStemmer, KeepsAMinimumStem) {
  EXPECT_EQ(Ar("بيت"), "بيت");     // no lone ب stripped
  EXPECT_EQ(Ar("فلسطين"), "فلسط");  // ف kept (only ين removed)
  EXPECT_EQ(Ar("وهو"), "وهو");     // too short to strip و
  EXPECT_EQ(Ar("الي"), "ال");      // Light10: at least 2 letters remain
}

TEST(ArabicStemmer, LeavesNonArabicWordsAlone) {
  EXPECT_EQ(Ar("cnn"), "cnn");
  EXPECT_EQ(Ar("الـcnn"), "الـcnn");
}

TEST(EnglishStemmer, PluralsAndVerbForms) {
  EXPECT_EQ(En("cats"), "cat");
  EXPECT_EQ(En("classes"), "class");
  EXPECT_EQ(En("ponies"), "poni");
  EXPECT_EQ(En("running"), "run");
  EXPECT_EQ(En("talked"), "talk");
  EXPECT_EQ(En("quickly"), "quick");
  EXPECT_EQ(En("obama's"), "obama");
  EXPECT_EQ(En("news"), "new");
  EXPECT_EQ(En("bus"), "bus");
  EXPECT_EQ(En("sing"), "sing");
  EXPECT_EQ(En("café"), "café");
}

TEST(StopWords, BothLanguages) {
  EXPECT_TRUE(IsStopWord("في"));
  EXPECT_TRUE(IsStopWord("الي"));  // إلى normalised
  EXPECT_TRUE(IsStopWord("the"));
  EXPECT_TRUE(IsStopWord("said"));
  EXPECT_FALSE(IsStopWord("قطر"));
  EXPECT_FALSE(IsStopWord("bitcoin"));
}

}  // namespace
}  // namespace text
}  // namespace qalam
