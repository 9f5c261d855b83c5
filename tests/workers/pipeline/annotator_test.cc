#include "workers/pipeline/annotator.h"

#include <string>

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
