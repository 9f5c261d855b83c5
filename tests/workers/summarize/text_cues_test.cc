#include "workers/summarize/text_cues.h"

#include <random>
#include <string>
#include <vector>

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

// The phrases IsBoilerplate finds anywhere in a sentence, as plainly as
// possible: the specification its filtered scan must agree with.
bool ReferenceContainsPhrase(const std::string& s) {
  auto at = [&](size_t i, const std::string& lit) {
    if (s.size() < i || s.size() - i < lit.size()) return false;
    for (size_t k = 0; k < lit.size(); ++k) {
      char c = s[i + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      if (c != lit[k]) return false;
    }
    return true;
  };
  auto word_char = [&](size_t i) {
    if (i >= s.size()) return false;
    const unsigned char b = static_cast<unsigned char>(s[i]);
    return b >= 0x80 || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
           (b >= '0' && b <= '9') || b == '_';
  };
  for (size_t i = 0; i < s.size(); ++i) {
    for (const char* lit : {"all rights reserved", "copyright \xC2\xA9", "the opinions expressed",
                            "getty images", "http://", "https://", "هذا المقال بقلم",
                            "نشر هذا المقال", "لا تعكس بالضرورة", "التوقيت: غرينتش"}) {
      if (at(i, lit)) return true;
    }
    if (at(i, "do not necessarily ") &&
        (at(i + 19, "reflect") || at(i + 19, "represent"))) {
      return true;
    }
    if (at(i, "www.") && word_char(i + 4)) return true;
  }
  return false;
}

// Random sentences made of pieces of the phrases (whole, cut, in mixed case),
// news words and odd bytes: the filtered scan finds exactly what the plain
// one finds, at every alignment.
TEST(Boilerplate, FilteredScanAgreesWithPlainScan) {
  const std::vector<std::string> pieces = {
      "All Rights Reserved", "all rights", " reserved", "COPYRIGHT \xC2\xA9", "copyright",
      "The opinions expressed", "opinions", "Getty Images", "getty", "HTTP://", "https://x",
      "http:/", "www.", "WWW.", "www", "ww.", "w", ".", "do not necessarily ", "reflect",
      "represent", "Do Not Necessarily Reflect", "هذا المقال بقلم", "هذا المقال", "بقلم",
      "نشر هذا المقال", "نشر", "لا تعكس بالضرورة", "لا تعكس", "التوقيت: غرينتش", "التوقيت",
      ": غ", "الخبر", "ال", "قال", " ", "  ", "a", "x", "_", "9", "\xC2\xA9", "\xD8", "\xD9",
      "(", "-", "news", "the", "\xE2\x80\x99"};
  std::mt19937 rng(20261129);
  int found = 0;
  for (int iter = 0; iter < 200000; ++iter) {
    std::string s = "x ";  // no start-anchored cue can match
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < n; ++k) {
      std::string p = pieces[rng() % pieces.size()];
      if (rng() % 4 == 0 && p.size() > 1) p = p.substr(rng() % p.size());  // cut the front
      if (rng() % 4 == 0 && p.size() > 1) p.resize(1 + rng() % (p.size() - 1));  // and the back
      s += p;
    }
    const bool want = ReferenceContainsPhrase(s);
    found += want;
    ASSERT_EQ(IsBoilerplate(s), want) << "\"" << s << "\"";
  }
  EXPECT_GT(found, 10000);  // the test exercises both answers
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
