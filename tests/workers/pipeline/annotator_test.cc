#include "workers/pipeline/annotator.h"

#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workers/pipeline/model_dir.h"

namespace qalam {
namespace {

TEST(Annotator, ProducesTheContractResultLine) {
  Annotator annotator;
  AnnotatorScratch scratch;
  AnnotationResult result;
  ArticleView a;
  a.id = "x\"1";
  a.text = "قطر. Doha!";
  ASSERT_TRUE(annotator.Annotate(a, AnnotateOptions(), &scratch, &result).ok());
  std::string line;
  AppendResultJson(result, &line);
  EXPECT_EQ(line, R"({"id":"x\"1","sentences":[[0,7],[8,13]],"tokens":2})");
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
  auto annotator = Annotator::Create();
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

TEST(Annotator, PicksTheSummaryModelByScript) {
  text::Analyzer analyzer;
  text::AnalyzedText doc;
  ASSERT_TRUE(analyzer.Analyze(kArabicArticle, &doc).ok());
  EXPECT_EQ(SummaryLanguage(doc), summarize::Language::kArabic);
  ASSERT_TRUE(analyzer.Analyze("The hospital opened in Alexandria (الإسكندرية).", &doc).ok());
  EXPECT_EQ(SummaryLanguage(doc), summarize::Language::kEnglish);
}

TEST(ModelDir, SearchesTheEnvironmentThenTheBundledFolder) {
  setenv("QALAM_MODEL_DIR", "/nonexistent/models", 1);
  const std::vector<std::string> dirs = ModelDirCandidates();
  ASSERT_FALSE(dirs.empty());
  EXPECT_EQ(dirs[0], "/nonexistent/models");
  EXPECT_EQ(dirs.back(), std::string(QALAM_SOURCE_DIR) + "/models");
  auto found = FindModelDir("summarize-ar.bin");  // falls back past the missing folder
  ASSERT_TRUE(found.ok()) << found.status();
  auto missing = FindModelDir("no-such-model.bin");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), ::testing::HasSubstr("QALAM_MODEL_DIR"));
  unsetenv("QALAM_MODEL_DIR");
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
