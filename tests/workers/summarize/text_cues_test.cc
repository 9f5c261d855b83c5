#include "workers/summarize/text_cues.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qalam {
namespace summarize {
namespace {

// What remains of `s` once its dateline is stripped.
std::string Rest(const std::string& s) { return s.substr(DatelineLength(s)); }

TEST(Dateline, StripsEnglishPlaceAndAgency) {
  EXPECT_EQ(Rest("LONDON (Reuters) - Oil prices rose on Monday."), "Oil prices rose on Monday.");
  EXPECT_EQ(Rest("Marietta, Georgia (CNN) -- A man was arrested."), "A man was arrested.");
  EXPECT_EQ(Rest("(CNN)The storm hit at dawn."), "The storm hit at dawn.");
  EXPECT_EQ(Rest("(CNN) \xE2\x80\x94 The storm hit at dawn."), "The storm hit at dawn.");
  EXPECT_EQ(Rest("\xE2\x80\x8BWASHINGTON (AP) \xE2\x80\x93 Congress met."), "Congress met.");
  EXPECT_EQ(Rest("WASHINGTON -- The Senate voted."), "The Senate voted.");
}

TEST(Dateline, StripsArabicPlaceAndAgency) {
  EXPECT_EQ(Rest("دبي، الإمارات العربية المتحدة (CNN) -- أعلنت الشركة عن أرباحها."),
            "أعلنت الشركة عن أرباحها.");
  EXPECT_EQ(Rest("القاهرة (رويترز) - قالت الحكومة إن الاقتصاد ينمو."),
            "قالت الحكومة إن الاقتصاد ينمو.");
  EXPECT_EQ(Rest("باريس (أ ف ب) - افتتح المعرض أبوابه."), "افتتح المعرض أبوابه.");
  EXPECT_EQ(Rest("(CNN)- - هدد رئيس الهيئة مخترقي الحساب."), "هدد رئيس الهيئة مخترقي الحساب.");
}

TEST(Dateline, LeavesOrdinarySentencesAlone) {
  EXPECT_EQ(DatelineLength("The World Health Organization (WHO) - the agency said."), 0u);
  EXPECT_EQ(DatelineLength("He said (CNN) -- that it was over."), 0u);
  EXPECT_EQ(DatelineLength("London is large (Reuters) - yes."), 0u);
  EXPECT_EQ(DatelineLength("قال المتحدث إن الاجتماع انتهى."), 0u);
  EXPECT_EQ(DatelineLength(""), 0u);
  // Nothing would remain: not stripped.
  EXPECT_EQ(DatelineLength("LONDON (Reuters) -"), 0u);
}

TEST(Boilerplate, MatchesAnchoredCuesAndPhrases) {
  EXPECT_TRUE(IsBoilerplate("Read more: the full story"));
  EXPECT_TRUE(IsBoilerplate("READ MORE about it"));
  EXPECT_TRUE(IsBoilerplate("Watch: the moment it happened"));
  EXPECT_TRUE(IsBoilerplate("Editor's note: this story was updated."));
  EXPECT_TRUE(IsBoilerplate("Photo taken by me. All rights reserved."));
  EXPECT_TRUE(IsBoilerplate("Find it at https://example.com/x today."));
  EXPECT_TRUE(IsBoilerplate("The opinions expressed here are the author's."));
  EXPECT_TRUE(IsBoilerplate("اقرأ أيضا: تفاصيل الخبر"));
  EXPECT_TRUE(IsBoilerplate("* شاهد: لحظة وقوع الانفجار"));
  EXPECT_TRUE(IsBoilerplate("هذا المقال بقلم الكاتب فلان، والآراء الواردة أدناه تعبر عن رأيه."));
  EXPECT_TRUE(IsBoilerplate("الآراء الواردة لا تعكس بالضرورة وجهة نظر الشبكة."));
  EXPECT_FALSE(IsBoilerplate("Relatedly, the minister resigned."));
  EXPECT_FALSE(IsBoilerplate("He told reporters to read more carefully."));
  EXPECT_FALSE(IsBoilerplate("شاهد عيان قال إن الانفجار كان قويا."));
  EXPECT_FALSE(IsBoilerplate("نقلت الوكالة عن مصدر رسمي أن الوزير استقال."));
}

TEST(BylineOrCaption, ShortBylinesAndCaptions) {
  EXPECT_TRUE(IsBylineOrCaption("By Jane Smith, CNN", 4));
  EXPECT_FALSE(IsBylineOrCaption("By the end of the year, prices had doubled.", 9));
  EXPECT_TRUE(IsBylineOrCaption("Image caption The bridge collapsed at night", 7));
  EXPECT_TRUE(IsBylineOrCaption("Photo by John Lee/Reuters", 5));
  EXPECT_TRUE(IsBylineOrCaption("مصدر الصورة Getty Images", 4));
  EXPECT_TRUE(IsBylineOrCaption("صورة: رجال الإنقاذ في الموقع", 5));
  EXPECT_FALSE(IsBylineOrCaption("صورت الكاميرات لحظة الانفجار.", 4));
}

}  // namespace
}  // namespace summarize
}  // namespace qalam
