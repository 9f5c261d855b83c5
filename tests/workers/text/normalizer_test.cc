#include "workers/text/normalizer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "workers/text/char_info.h"
#include "workers/text/utf8.h"

namespace qalam {
namespace text {
namespace {

std::string Norm(absl::string_view s, bool teh = false) {
  NormalizerOptions o;
  o.fold_teh_marbuta = teh;
  std::string out;
  Normalizer(o).Normalize(s, &out);
  return out;
}

TEST(Normalizer, RemovesArabicDiacriticsAndTatweel) {
  EXPECT_EQ(Norm("مُحَمَّدٌ"), "محمد");
  EXPECT_EQ(Norm("هٰذا"), "هذا");       // superscript alef U+0670
  EXPECT_EQ(Norm("كبيــــر"), "كبير");  // tatweel
}

TEST(Normalizer, FoldsAlefVariantsAndAlefMaksura) {
  EXPECT_EQ(Norm("أحمد إلى آخر ٱلله"), "احمد الي اخر الله");
  EXPECT_EQ(Norm("مستشفى"), "مستشفي");
}

TEST(Normalizer, TehMarbutaOnlyWhenAsked) {
  EXPECT_EQ(Norm("مدرسة"), "مدرسة");
  EXPECT_EQ(Norm("مدرسة", /*teh=*/true), "مدرسه");
  // Presentation form of teh marbuta follows the same option.
  EXPECT_EQ(Norm("\xEF\xBA\x93", true), "ه");
}

TEST(Normalizer, FoldsPersianAndUrduLetters) {
  EXPECT_EQ(Norm("کتاب"), "كتاب");  // keheh -> kaf
  EXPECT_EQ(Norm("علی"), "علي");    // Farsi yeh -> yeh
}

TEST(Normalizer, MapsArabicIndicDigitsToAscii) {
  EXPECT_EQ(Norm("٢٠١٨ و۱۳۹۷"), "2018 و1397");
}

TEST(Normalizer, RemovesBidiAndZeroWidthControls) {
  EXPECT_EQ(Norm("a\u200Bb\u200Cc\u200Dd\u200Ee\u200Ff\u202Bg\u202Ch\u2066i\uFEFFj"), "abcdefghij");
}

TEST(Normalizer, CaseFoldsLatinAndFoldsCompatibilityForms) {
  EXPECT_EQ(Norm("Reuters LONDON Straße"), "reuters london strasse");
  EXPECT_EQ(Norm("ＣＮＮ１２"), "cnn12");  // full-width
  EXPECT_EQ(Norm("ﬁle"), "file");          // ligature
  // Arabic presentation forms: ﻻ (lam-alef) and isolated/final forms.
  EXPECT_EQ(Norm("\xEF\xBB\xBB"), "لا");
  EXPECT_EQ(Norm("\xEF\xBB\xB7"), "لا");   // lam with hamza-alef -> لأ -> لا
  EXPECT_EQ(Norm("ﺑﻴﺖ"), "بيت");
}

TEST(Normalizer, KeepsWhatNeedsNoFolding) {
  EXPECT_EQ(Norm("قطر والولايات 2025, abc."), "قطر والولايات 2025, abc.");
}

TEST(Normalizer, OffsetsMapBackToTheOriginal) {
  std::string t = "Aأُب";  // A(1) أ(2) ُ(2, removed) ب(2)
  std::string out;
  std::vector<uint32_t> src;
  Normalizer().NormalizeWithOffsets(t, &out, &src);
  EXPECT_EQ(out, "aاب");
  ASSERT_EQ(src.size(), out.size());
  EXPECT_EQ(src[0], 0u);
  EXPECT_EQ(src[1], 1u);
  EXPECT_EQ(src[2], 1u);
  EXPECT_EQ(src[3], 5u);
}

// Idempotence over every code point: folding a folded character changes
// nothing (the generator also checks this at build time).
TEST(Normalizer, IsIdempotentForEveryCodePoint) {
  Normalizer n;
  std::string once, twice, ch;
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    ch.clear();
    AppendUtf8(cp, &ch);
    once.clear();
    n.Normalize(ch, &once);
    twice.clear();
    n.Normalize(once, &twice);
    ASSERT_EQ(once, twice) << "U+" << std::hex << cp;
    ASSERT_TRUE(ValidateUtf8(once).ok());
  }
}

TEST(CharInfo, ClassifiesWhatTheSegmenterNeeds) {
  EXPECT_TRUE(GetCharInfo(U'ق').flags & kCharLetter);
  EXPECT_EQ(GetCharInfo(U'ق').script, kScriptArabic);
  EXPECT_EQ(GetCharInfo(U'Q').script, kScriptLatin);
  EXPECT_TRUE(GetCharInfo(U'Q').flags & kCharUpper);
  EXPECT_TRUE(GetCharInfo(0x064E).flags & kCharMark);     // fatha
  EXPECT_TRUE(GetCharInfo(0x0663).flags & kCharDigit);    // ٣
  EXPECT_TRUE(GetCharInfo(0x061F).flags & kCharEnder);    // ؟
  EXPECT_TRUE(GetCharInfo(0x2026).flags & kCharEnder);    // …
  EXPECT_TRUE(GetCharInfo(0x06D4).flags & kCharEnder);    // ۔
  EXPECT_TRUE(GetCharInfo(0x00BB).flags & kCharClose);    // »
  EXPECT_TRUE(GetCharInfo(0x00AB).flags & kCharOpen);     // «
  EXPECT_TRUE(GetCharInfo(0x200C).flags & kCharIgnorable);
  EXPECT_TRUE(GetCharInfo(0x00A0).flags & kCharSpace);
  EXPECT_TRUE(GetCharInfo(0x2029).flags & kCharNewline);
  EXPECT_TRUE(GetCharInfo(0).flags & kCharControl);
}

}  // namespace
}  // namespace text
}  // namespace qalam
