// The language identifier's table builder (tools/langid/langid_builder.h).
//
// The full model is built from the news train splits, which a clean clone
// does not have; these tests build from the committed lists and a few
// sentences: ANT (ar-ant, ar-multi; Apache-2.0, Chouigui, Ben Khiroun &
// Elayeb) for Arabic, and sentences written for qalam for English.
#include "tools/langid/langid_builder.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workers/text/langid.h"
#include "workers/text/langid_model.h"

namespace qalam {
namespace langid_build {
namespace {

using ::testing::HasSubstr;
namespace li = text::langid;

std::string ListsDir() { return std::string(QALAM_SOURCE_DIR) + "/models/langid/lists"; }

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TempDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t != nullptr ? t : "/tmp";
}

const char* const kEnglish[] = {
    "Police said the man was arrested late last night after a chase through the city.",
    "On Wednesday the central bank lifted its main lending rate, its fourth move since spring.",
    "Rescue crews kept digging through the mud for a third night after the floods in the north.",
    "She said the negotiators would meet again in Geneva next week.",
    "The company said its profits had fallen for the third quarter in a row.",
    "Thousands of people marched through the capital on Saturday to demand higher wages.",
    "The minister vowed that the hospital plans would be out before the summer recess.",
    "Scientists have found a new way to detect the disease much earlier than before.",
};

// ANT.
const char* const kArabic[] = {
    "أسدل الستار مساء أمس السبت على الدورة 16 للمهرجان العربي للإذاعة والتلفزيون الذي "
    "انتظم بمدينة الحمامات انطلاقا من 12 ماي الجاري.",
    "أصدرت صحيفة السفير اللبنانية واسعة الانتشار في لبنان والعالم العربي أمس السبت "
    "عددها الأخير معلنة توقفها عن الصدور جراء مصاعب مالية بعد 42 عاما على تأسيسها.",
    "تنظم تعاونية موظفي الإذاعة والتلفزة التونسية يوم 18 مارس الجاري حفلا فنيا ساهرا "
    "تحييه النجمة اللبنانية ماجدة الرومي بقبة رادس في إطار الاحتفال بذكرى الاستقلال.",
    "ينطلق مهرجان القيروان للشعر العربي ببيت الشعر بالقيروان بالتنسيق مع بيت الشارقة، وذلك "
    "في اطار الذكرى السنوية لبعث بيت الشعر بحضور وزير الشؤون الثقافية.",
};

TEST(LangidBuilder, CharTableFromIcuMatchesTheBundledModel) {
  li::Model built;
  ASSERT_TRUE(BuildCharTable(&built).ok());
  auto bundled = li::ParseModel(ReadBytes(std::string(QALAM_SOURCE_DIR) + "/models/langid.bin"));
  ASSERT_TRUE(bundled.ok()) << bundled.status();
  // If this fails after an ICU upgrade, the Unicode data changed: rebuild
  // models/langid.bin (models/README.md) and check the evaluation.
  EXPECT_EQ(built.page_index, bundled->page_index);
  EXPECT_EQ(built.pages, bundled->pages);
}

TEST(LangidBuilder, BuildsAModelThatRoundTripsAndWorks) {
  // A few hundred n-grams of news instead of tens of millions: smooth the
  // news tables much less, or the unseen-bucket mass swamps them.
  BuildOptions options;
  options.alpha_news = 0.005;
  ModelBuilder b(options);
  ASSERT_TRUE(AddListDir(ListsDir(), &b).ok());
  for (int rep = 0; rep < 3; ++rep) {
    for (const char* s : kEnglish) b.AddNews(Target::kEnglish, "", s);
    for (const char* s : kArabic) b.AddNews(Target::kArabic, "", s);
  }
  EXPECT_EQ(b.stats().en_articles, 3 * std::size(kEnglish));
  EXPECT_EQ(b.stats().ar_articles, 3 * std::size(kArabic));
  EXPECT_EQ(b.stats().list_words.size(), 10u);
  auto m = b.Build();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->lat.size(), 7u << 16);
  EXPECT_EQ(m->ara.size(), 5u << 16);

  const std::string bytes = li::SerializeModel(*m);
  auto parsed = li::ParseModel(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(*parsed == *m);

  auto id = text::LanguageIdentifier::FromBytes(bytes);
  ASSERT_TRUE(id.ok()) << id.status();
  // In-sample text is recognised, and list languages are kept apart.
  EXPECT_STREQ((*id)->Identify(kEnglish[0]).code(), "en");
  EXPECT_STREQ((*id)->Identify(kArabic[0]).code(), "ar");
  EXPECT_STREQ((*id)
                   ->Identify("Le gouvernement a annoncé de nouvelles mesures pour les "
                              "familles et les entreprises.")
                   .code(),
               "und");
  EXPECT_STREQ((*id)->Identify("وزیر امور خارجه ایران امروز به مسکو سفر کرد.").code(), "und");
}

TEST(LangidBuilder, IsDeterministic) {
  auto build = [] {
    ModelBuilder b;
    EXPECT_TRUE(AddListDir(ListsDir(), &b).ok());
    for (const char* s : kEnglish) b.AddNews(Target::kEnglish, "Title", s);
    for (const char* s : kArabic) b.AddNews(Target::kArabic, "عنوان", s);
    auto m = b.Build();
    EXPECT_TRUE(m.ok());
    return li::SerializeModel(*m);
  };
  EXPECT_EQ(build(), build());
}

TEST(LangidBuilder, NeedsNewsAndEveryList) {
  {
    ModelBuilder b;
    ASSERT_TRUE(AddListDir(ListsDir(), &b).ok());
    b.AddNews(Target::kEnglish, "", kEnglish[0]);
    auto m = b.Build();
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(m.status().message(), HasSubstr("no news n-grams for ar"));
  }
  {
    ModelBuilder b;
    ASSERT_TRUE(b.AddListFiles("fr", "[1]\nle la les\n", "").ok());
    b.AddNews(Target::kEnglish, "", kEnglish[0]);
    b.AddNews(Target::kArabic, "", kArabic[0]);
    auto m = b.Build();
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.status().message(), HasSubstr("no list for es"));
  }
}

TEST(LangidBuilder, RefusesMalformedLists) {
  ModelBuilder b;
  auto s = b.AddListFiles("xx", "[1]\nfoo\n", "");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("no list expected for language 'xx'"));
  s = b.AddListFiles("en", "[1]\nthe\n", "");  // en comes from the news
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  s = b.AddListFiles("fr", "# comment\nle la\n", "");
  EXPECT_THAT(s.message(), HasSubstr("fr.txt line 2: words before the first tier header"));
  s = b.AddListFiles("fr", "[1]\nle\n[4]\nla\n", "");
  EXPECT_THAT(s.message(), HasSubstr("fr.txt line 3: tier 4"));
  ASSERT_TRUE(b.AddListFiles("fr", "[1]\nle la\n", "Le gouvernement.\n").ok());
  s = b.AddListFiles("fr", "[1]\nle la\n", "");
  EXPECT_THAT(s.message(), HasSubstr("given twice"));
}

TEST(LangidBuilder, ListWordsCountOnceAtTheirBestTier) {
  // "de" listed in tiers 1 and 3 weighs as tier 1 only: the same counts as a
  // list that names it once, in tier 1.
  auto model_with_fr = [](const char* fr_words) {
    ModelBuilder b;
    for (const char* l : {"es", "de", "it", "pt", "nl"}) {
      EXPECT_TRUE(b.AddListFiles(l, "[1]\nxyz\n", "").ok());
    }
    for (const char* l : {"fa", "ur", "ckb", "ps"}) {
      EXPECT_TRUE(b.AddListFiles(l, "[1]\nاین\n", "").ok());
    }
    EXPECT_TRUE(b.AddListFiles("fr", fr_words, "").ok());
    b.AddNews(Target::kEnglish, "", kEnglish[0]);
    b.AddNews(Target::kArabic, "", kArabic[0]);
    auto m = b.Build();
    EXPECT_TRUE(m.ok());
    return li::SerializeModel(*m);
  };
  EXPECT_EQ(model_with_fr("[1]\nde la\n[3]\nde\n"), model_with_fr("[1]\nde la\n"));
  EXPECT_NE(model_with_fr("[1]\nla\n[3]\nde\n"), model_with_fr("[1]\nde la\n"));
}

TEST(LangidBuilder, ReadsNewsFiles) {
  const std::string path = TempDir() + "/langid_builder_news_test.jsonl";
  {
    std::ofstream out(path);
    out << "{\"id\": \"a\", \"title\": \"Ministers Agree Deal\", \"text\": \"The deal was "
           "reached after talks.\"}\n"
        << "\n"
        << "{\"id\": \"b\", \"title\": null, \"text\": \"Police said the man was arrested.\"}\n";
  }
  ModelBuilder b;
  ASSERT_TRUE(AddNewsFile(path, Target::kEnglish, &b).ok());
  EXPECT_EQ(b.stats().en_articles, 2u);
  EXPECT_GT(b.stats().en_ngrams, 100u);

  {
    std::ofstream out(path);
    out << "{\"text\": \"fine\"}\n{\"title\": \"no text\"}\n";
  }
  auto s = AddNewsFile(path, Target::kEnglish, &b);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(":2: no string `text`"));
  {
    std::ofstream out(path);
    out << "{\"text\": \"broken\n";
  }
  s = AddNewsFile(path, Target::kEnglish, &b);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(":1:"));
  std::remove(path.c_str());

  s = AddNewsFile("/nonexistent/train.jsonl", Target::kArabic, &b);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace langid_build
}  // namespace qalam
