#include "workers/pipeline/annotator.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qalam {
namespace {

TEST(Annotator, ProducesTheContractResultLine) {
  Annotator annotator;
  AnnotatorScratch scratch;
  AnnotationResult result;
  ArticleView a;
  a.id = "x\"1";
  a.text = "قطر. Doha!";
  AnnotateOptions o;
  o.language = false;
  o.summarize = false;
  o.keywords_enabled = false;
  ASSERT_TRUE(annotator.Annotate(a, o, &scratch, &result).ok());
  std::string line;
  AppendResultJson(result, &line);
  EXPECT_EQ(line, R"({"id":"x\"1","sentences":[[0,7],[8,13]],"tokens":2})");
}

TEST(Annotator, IdentifiesTheLanguageAndHonoursAConfidentAnswerOverTheHint) {
  auto annotator = Annotator::Create(AnnotatorConfig());
  ASSERT_TRUE(annotator.ok()) << annotator.status();
  AnnotatorScratch scratch;
  AnnotationResult result;
  ArticleView a;
  a.id = "x";
  // From the ANT corpus (BBC Arabic, Apache-2.0).
  a.text = "ضرب زلزال قوي جزيرة سياحية في إندونيسيا، وهو ما أسفر عن مقتل 14 شخصا على الأقل.";
  ASSERT_TRUE((*annotator)->Annotate(a, AnnotateOptions(), &scratch, &result).ok());
  EXPECT_TRUE(result.has_language);
  EXPECT_EQ(result.language, "ar");
  EXPECT_GT(result.language_confidence, 0.9f);
  a.lang_hint = "en";  // a wrong hint does not override a confident answer
  ASSERT_TRUE((*annotator)->Annotate(a, AnnotateOptions(), &scratch, &result).ok());
  EXPECT_EQ(result.language, "ar");
  a.text = "ok";  // too little to tell: the hint wins
  ASSERT_TRUE((*annotator)->Annotate(a, AnnotateOptions(), &scratch, &result).ok());
  EXPECT_EQ(result.language, "en");
  EXPECT_FLOAT_EQ(result.language_confidence, 0.5f);
}

TEST(Annotator, CreateReportsAMissingModel) {
  AnnotatorConfig config;
  config.model_dir = "/nonexistent-model-dir";
  auto annotator = Annotator::Create(config);
  ASSERT_FALSE(annotator.ok());
  EXPECT_THAT(std::string(annotator.status().message()), ::testing::HasSubstr("langid.bin"));
}

TEST(Annotator, OffsetsInCodePointsAndUtf16) {
  Annotator annotator;
  AnnotatorScratch scratch;
  AnnotationResult result;
  ArticleView a;
  a.id = "x";
  a.text = "قطر. 😀 ok.";
  AnnotateOptions o;
  o.offsets = text::OffsetUnit::kCodePoint;
  ASSERT_TRUE(annotator.Annotate(a, o, &scratch, &result).ok());
  EXPECT_THAT(result.sentence_offsets, ::testing::ElementsAre(0, 4, 5, 10));
  o.offsets = text::OffsetUnit::kUtf16;
  ASSERT_TRUE(annotator.Annotate(a, o, &scratch, &result).ok());
  EXPECT_THAT(result.sentence_offsets, ::testing::ElementsAre(0, 4, 5, 11));
}

TEST(Annotator, RefusesAbsurdKAndN) {
  AnnotateOptions o;
  o.summary_sentences = -1;
  EXPECT_EQ(ValidateAnnotateOptions(o).code(), absl::StatusCode::kInvalidArgument);
  o.summary_sentences = 3;
  o.keywords = kMaxKeywords + 1;
  EXPECT_EQ(ValidateAnnotateOptions(o).code(), absl::StatusCode::kInvalidArgument);
}

TEST(Annotator, RefusesABadSummaryRatio) {
  AnnotateOptions o;
  o.summary_ratio = 1.5;
  EXPECT_EQ(ValidateAnnotateOptions(o).code(), absl::StatusCode::kInvalidArgument);
  o.summary_ratio = 0.2;
  EXPECT_TRUE(ValidateAnnotateOptions(o).ok());
  o.summary_max_sentences = 0;
  EXPECT_EQ(ValidateAnnotateOptions(o).code(), absl::StatusCode::kInvalidArgument);
}

constexpr char kArabicArticle[] =
    "أعلنت وزارة الصحة عن افتتاح مستشفى جديد في مدينة الإسكندرية يضم مئتي سرير.\n"
    "وقال وزير الصحة إن المستشفى سيخدم أكثر من مليون مواطن في المدينة والقرى المجاورة.\n"
    "وأضاف الوزير أن المستشفى الجديد مجهز بأحدث الأجهزة الطبية.\n"
    "ويأتي افتتاح المستشفى ضمن خطة الوزارة لتطوير الخدمات الصحية في المحافظات.\n"
    "وكانت الوزارة قد افتتحت مستشفى مماثلا في مدينة أسوان العام الماضي.\n";

TEST(Annotator, CreateLoadsTheBundledModelsForSummariesAndKeywords) {
  auto annotator = Annotator::Create(AnnotatorConfig());
  ASSERT_TRUE(annotator.ok()) << annotator.status();
  ASSERT_NE((*annotator)->summarizer(), nullptr);
  AnnotatorScratch scratch;
  AnnotationResult result;
  ArticleView a;
  a.id = "hospital";
  a.title = "افتتاح مستشفى جديد في الإسكندرية";
  a.text = kArabicArticle;
  AnnotateOptions o;
  ASSERT_TRUE((*annotator)->Annotate(a, o, &scratch, &result).ok());
  EXPECT_TRUE(result.has_summary);
  ASSERT_EQ(result.summary.size(), 3u);
  EXPECT_TRUE(std::is_sorted(result.summary.begin(), result.summary.end()));
  EXPECT_FALSE(result.summary_text.empty());
  EXPECT_TRUE(result.has_keywords);
  EXPECT_THAT(result.keywords, ::testing::Contains(::testing::HasSubstr("مستشفى")));
  EXPECT_THAT(result.keywords, ::testing::Contains("الإسكندرية"));
  std::string line;
  AppendResultJson(result, &line);
  EXPECT_THAT(line, ::testing::HasSubstr("\"summary\":["));
  EXPECT_THAT(line, ::testing::HasSubstr("\"keywords\":[\""));
  // The ratio option and the keyword count.
  o.summary_ratio = 0.4;  // ceil(0.4 * 5) = 2
  o.keywords = 2;
  ASSERT_TRUE((*annotator)->Annotate(a, o, &scratch, &result).ok());
  EXPECT_EQ(result.summary.size(), 2u);
  EXPECT_EQ(result.keywords.size(), 2u);
  // Groups switched off are left out.
  o.summarize = false;
  o.keywords_enabled = false;
  ASSERT_TRUE((*annotator)->Annotate(a, o, &scratch, &result).ok());
  EXPECT_FALSE(result.has_summary);
  EXPECT_FALSE(result.has_keywords);
}

TEST(Annotator, PicksTheSummaryModelByLanguageThenScript) {
  text::Analyzer analyzer;
  text::AnalyzedText doc;
  ASSERT_TRUE(analyzer.Analyze(kArabicArticle, &doc).ok());
  EXPECT_EQ(SummaryLanguage(nullptr, doc), summarize::Language::kArabic);
  text::LanguageResult identified;
  identified.lang = text::Language::kEnglish;
  EXPECT_EQ(SummaryLanguage(&identified, doc), summarize::Language::kEnglish);
  identified.lang = text::Language::kUndetermined;  // e.g. Persian: by script
  EXPECT_EQ(SummaryLanguage(&identified, doc), summarize::Language::kArabic);
  ASSERT_TRUE(analyzer.Analyze("The hospital opened in Alexandria (الإسكندرية).", &doc).ok());
  EXPECT_EQ(SummaryLanguage(nullptr, doc), summarize::Language::kEnglish);
}

TEST(Annotator, CreateNamesABadSummaryModel) {
  // A folder with the language identifier and a truncated summariser model.
  const std::string dir = "/tmp/qalam_annotator_test_" + std::to_string(getpid());
  ASSERT_EQ(system(("mkdir -p " + dir).c_str()), 0);
  {
    std::ifstream in(std::string(QALAM_SOURCE_DIR) + "/models/langid.bin", std::ios::binary);
    std::ofstream out(dir + "/langid.bin", std::ios::binary);
    out << in.rdbuf();
    std::ofstream bad(dir + "/summarize-ar.bin", std::ios::binary);
    bad << "QALAMMDL";
  }
  AnnotatorConfig config;
  config.model_dir = dir;
  auto annotator = Annotator::Create(config);
  ASSERT_FALSE(annotator.ok());
  EXPECT_THAT(std::string(annotator.status().message()),
              ::testing::HasSubstr(dir + "/summarize-ar.bin"));
  std::remove((dir + "/summarize-ar.bin").c_str());
  std::remove((dir + "/langid.bin").c_str());
  rmdir(dir.c_str());
}

TEST(ErrorJson, HasFileLineIdCodeAndMessage) {
  std::string line;
  AppendErrorJson("in.jsonl", 17, "a1", absl::InvalidArgumentError("invalid UTF-8 at byte 4"),
                  &line);
  EXPECT_EQ(line,
            R"({"file":"in.jsonl","line":17,"id":"a1","code":"INVALID_ARGUMENT","error":"invalid UTF-8 at byte 4"})");
  line.clear();
  AppendErrorJson("", 0, "", absl::DataLossError("x"), &line);
  EXPECT_EQ(line, R"({"code":"DATA_LOSS","error":"x"})");
}

}  // namespace
}  // namespace qalam

namespace qalam {
namespace {

TEST(ResultJson, RendersEveryGroupInContractOrder) {
  AnnotationResult r;
  r.id = "BB-culture-1";
  r.has_language = true;
  r.language = "ar";
  r.language_confidence = 0.99f;
  r.has_label = true;
  r.label = "culture";
  r.confidence = 0.93f;
  r.labels = {{"culture", 0.93f}, {"middleEast", 0.04f}};
  r.has_sentences = true;
  r.sentence_offsets = {0, 212, 213, 590};
  r.tokens = 731;
  r.has_summary = true;
  r.summary = {0, 1};
  r.summary_text = "نص";
  r.has_keywords = true;
  r.keywords = {"الممثلين اليهود", "أشرف غريب"};
  std::string line;
  AppendResultJson(r, &line);
  EXPECT_EQ(line,
            R"({"id":"BB-culture-1","lang":"ar","lang_confidence":0.99,"label":"culture",)"
            R"("confidence":0.93,"labels":[{"name":"culture","score":0.93},)"
            R"({"name":"middleEast","score":0.04}],"sentences":[[0,212],[213,590]],"tokens":731,)"
            R"("summary":[0,1],"summary_text":"نص","keywords":["الممثلين اليهود","أشرف غريب"]})");
}

}  // namespace
}  // namespace qalam
