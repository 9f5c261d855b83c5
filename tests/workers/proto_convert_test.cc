#include "workers/proto_convert.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace qalam {
namespace {

using ::qalam_testing::IsOk;
using ::qalam_testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(AnnotateOptionsFromFeatures, NoFeatureMeansEverythingWithDefaults) {
  AnnotateOptions o;
  ASSERT_THAT(AnnotateOptionsFromFeatures(v1::Features(), &o), IsOk());
  EXPECT_TRUE(o.sentences && o.language && o.classify && o.summarize && o.keywords_enabled);
  EXPECT_EQ(o.summary_sentences, 3);
  EXPECT_EQ(o.keywords, 10);
  EXPECT_EQ(o.offsets, text::OffsetUnit::kUtf8);
}

TEST(AnnotateOptionsFromFeatures, SomeFeaturesMeansOnlyThose) {
  v1::Features f;
  f.set_summarize(true);
  f.set_summary_sentences(5);
  f.set_keywords(1000);
  f.set_offset_encoding(v1::UTF16);
  AnnotateOptions o;
  ASSERT_THAT(AnnotateOptionsFromFeatures(f, &o), IsOk());
  EXPECT_TRUE(o.summarize);
  EXPECT_FALSE(o.sentences || o.language || o.classify || o.keywords_enabled);
  EXPECT_EQ(o.summary_sentences, 5);
  EXPECT_EQ(o.keywords, 1000);
  EXPECT_EQ(o.offsets, text::OffsetUnit::kUtf16);
  f.set_offset_encoding(v1::CODE_POINT);
  ASSERT_THAT(AnnotateOptionsFromFeatures(f, &o), IsOk());
  EXPECT_EQ(o.offsets, text::OffsetUnit::kCodePoint);
}

TEST(AnnotateOptionsFromFeatures, RefusesAbsurdKNAndUnknownEncodings) {
  AnnotateOptions o;
  v1::Features f;
  f.set_summary_sentences(1001);
  EXPECT_THAT(AnnotateOptionsFromFeatures(f, &o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("summary_sentences")));
  f.set_summary_sentences(4294967295u);
  EXPECT_THAT(AnnotateOptionsFromFeatures(f, &o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("4294967295")));
  f = v1::Features();
  f.set_keywords(5000);
  EXPECT_THAT(AnnotateOptionsFromFeatures(f, &o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("keywords")));
  f = v1::Features();
  f.set_offset_encoding(static_cast<v1::OffsetEncoding>(77));
  EXPECT_THAT(AnnotateOptionsFromFeatures(f, &o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown value 77")));
}

TEST(ToAnnotationProto, MapsEveryGroupItHas) {
  AnnotationResult r;
  r.id = "a1";
  r.has_language = true;
  r.language = "ar";
  r.language_confidence = 0.75f;
  r.has_label = true;
  r.label = "culture";
  r.confidence = 0.5f;
  r.labels = {{"culture", 0.5f}, {"sport", 0.25f}};
  r.has_sentences = true;
  r.sentence_offsets = {0, 4, 5, 9};
  r.tokens = 3;
  r.has_summary = true;
  r.summary = {1};
  r.summary_text = "text";
  r.has_keywords = true;
  r.keywords = {"قطر", "Doha"};
  v1::Annotation a;
  a.set_label("stale");  // cleared first
  ToAnnotationProto(r, &a);
  EXPECT_EQ(a.id(), "a1");
  EXPECT_EQ(a.language(), "ar");
  EXPECT_FLOAT_EQ(a.language_confidence(), 0.75f);
  EXPECT_EQ(a.label(), "culture");
  EXPECT_FLOAT_EQ(a.confidence(), 0.5f);
  ASSERT_EQ(a.labels_size(), 2);
  EXPECT_EQ(a.labels(1).name(), "sport");
  EXPECT_FLOAT_EQ(a.labels(1).score(), 0.25f);
  EXPECT_THAT(a.sentence_offsets(), ElementsAre(0, 4, 5, 9));
  EXPECT_EQ(a.tokens(), 3u);
  EXPECT_THAT(a.summary(), ElementsAre(1));
  EXPECT_EQ(a.summary_text(), "text");
  EXPECT_THAT(a.keywords(), ElementsAre("قطر", "Doha"));

  AnnotationResult only_id;
  only_id.id = "b";
  only_id.label = "ignored without has_label";
  ToAnnotationProto(only_id, &a);
  EXPECT_EQ(a.id(), "b");
  EXPECT_EQ(a.label(), "");
  EXPECT_EQ(a.labels_size(), 0);
  EXPECT_EQ(a.sentence_offsets_size(), 0);
}

TEST(FillModelInfo, NamesTheVersionAndTheModels) {
  auto annotator = Annotator::Create(AnnotatorConfig());
  ASSERT_TRUE(annotator.ok()) << annotator.status();
  v1::ModelInfo m;
  FillModelInfo(**annotator, &m);
  EXPECT_FALSE(m.qalam_version().empty());
  EXPECT_THAT(m.language_model(), ::testing::StartsWith("langid.bin "));
  // The bundled topic models and their label sets.
  EXPECT_THAT(m.arabic_topic_model(), ::testing::StartsWith("topic-ar.bin "));
  EXPECT_THAT(m.english_topic_model(), ::testing::StartsWith("topic-en.bin "));
  EXPECT_THAT(m.taxonomy(), ::testing::StartsWith("ar: culture,economy,"));
  EXPECT_THAT(m.taxonomy(), ::testing::HasSubstr("; en: business,"));
}

TEST(FromAnnotationProto, IsTheInverseOfToAnnotationProto) {
  AnnotationResult r;
  r.id = "x";
  r.has_language = true;
  r.language = "ar";
  r.language_confidence = 0.5f;
  r.has_label = true;
  r.label = "sport";
  r.confidence = 0.75f;
  r.labels = {{"sport", 0.75f}, {"culture", 0.25f}};
  r.has_sentences = true;
  r.sentence_offsets = {0, 3, 4, 9};
  r.tokens = 4;
  r.has_summary = true;
  r.summary = {1};
  r.summary_text = "نص";
  r.has_keywords = true;
  r.keywords = {"a b", "c"};
  v1::Annotation proto;
  ToAnnotationProto(r, &proto);
  AnnotationResult back;
  FromAnnotationProto(proto, &back);
  std::string a, b;
  AppendResultJson(r, &a);
  AppendResultJson(back, &b);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace qalam
