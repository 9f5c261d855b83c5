// The output folder's commit protocol, the report and slices, on real files.
#include "coordinator/output_store.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "coordinator/job.h"
#include "coordinator/report.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workers/pipeline/annotator.h"
#include "workers/pipeline/fingerprint.h"
#include "workers/proto_convert.h"

namespace qalam {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class OutputStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/qos-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string dir_;
};

IndexEntry Entry(uint64_t seq, uint32_t kind) {
  IndexEntry e;
  e.seq = seq;
  e.kind = kind;
  return e;
}

// The index entry of a result, with the fingerprint of its analysed text
// (what a worker's RecordStats carry).
IndexEntry ResultEntry(uint64_t seq, const text::AnalyzedText& analyzed) {
  ArticleFingerprint fp;
  ComputeFingerprint(analyzed, &fp);
  IndexEntry e = Entry(seq, IndexEntry::kResult);
  e.flags = IndexEntry::kHasStats;
  e.chars = fp.chars;
  e.text_hash = fp.text_hash;
  std::copy(fp.minhash.begin(), fp.minhash.end(), e.minhash);
  return e;
}

TEST_F(OutputStoreTest, ResumeStartsFromTheLastCheckpoint) {
  {
    auto store = OutputStore::Open(dir_, "job A\n", /*resume=*/false);
    ASSERT_TRUE(store.ok()) << store.status();
    (*store)->AppendResult("{\"id\":\"1\"}", Entry(0, IndexEntry::kResult));
    (*store)->AppendError("{\"code\":\"X\"}", Entry(1, IndexEntry::kError));
    (*store)->SetPositions(2);
    ASSERT_TRUE((*store)->Commit(1.5).ok());
    // Appended but never committed: as if the process died here.
    (*store)->AppendResult("{\"id\":\"3\"}", Entry(2, IndexEntry::kResult));
    (*store)->SetPositions(3);
  }
  auto store = OutputStore::Open(dir_, "job A\n", /*resume=*/true);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->resumed().positions, 2u);
  EXPECT_EQ((*store)->resumed().results, 1u);
  EXPECT_EQ((*store)->resumed().errors, 1u);
  EXPECT_DOUBLE_EQ((*store)->resumed().seconds, 1.5);
}

TEST_F(OutputStoreTest, TruncatesDataFilesToTheCheckpoint) {
  {
    auto store = OutputStore::Open(dir_, "job A\n", false);
    ASSERT_TRUE(store.ok());
    (*store)->AppendResult("{\"id\":\"1\"}", Entry(0, IndexEntry::kResult));
    (*store)->SetPositions(1);
    ASSERT_TRUE((*store)->Commit(0).ok());
  }
  // Bytes written after the last checkpoint (a crash between write and
  // checkpoint).
  std::ofstream(fs::path(dir_) / ".qalam/results.jsonl", std::ios::app) << "{\"id\":\"partial";
  auto store = OutputStore::Open(dir_, "job A\n", true);
  ASSERT_TRUE(store.ok());
  (*store)->AppendResult("{\"id\":\"2\"}", Entry(1, IndexEntry::kResult));
  (*store)->SetPositions(2);
  ASSERT_TRUE((*store)->Finish(0).ok());
  EXPECT_EQ(ReadFile(fs::path(dir_) / "results.jsonl"), "{\"id\":\"1\"}\n{\"id\":\"2\"}\n");
  EXPECT_EQ(fs::file_size(IndexPath(dir_)), 2 * sizeof(IndexEntry));
}

TEST_F(OutputStoreTest, RefusesToResumeADifferentJobOrOverwriteAnUnfinishedOne) {
  ASSERT_TRUE(OutputStore::Open(dir_, "input a\nslice 0/1\n", false).ok());
  auto other = OutputStore::Open(dir_, "input b\nslice 0/1\n", true);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(other.status().message()), HasSubstr("different job"));
  EXPECT_THAT(std::string(other.status().message()), HasSubstr("'input a'"));
  auto fresh = OutputStore::Open(dir_, "input a\nslice 0/1\n", false);
  EXPECT_EQ(fresh.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(fresh.status().message()), HasSubstr("--resume"));
}

TEST(ParseSlice, AcceptsIOfNOnly) {
  int i = -1, n = -1;
  EXPECT_TRUE(ParseSlice("2/5", &i, &n).ok());
  EXPECT_EQ(i, 2);
  EXPECT_EQ(n, 5);
  for (const char* bad : {"5/5", "-1/3", "1", "a/b", "1/0", "1/2/3"}) {
    EXPECT_EQ(ParseSlice(bad, &i, &n).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ShardBytesFor, AQuarterOfAWorkersShareBetween64KiBAnd2MiB) {
  // The 1 GB benchmark corpus on 2 workers: the cap.
  EXPECT_EQ(ShardBytesFor(1075915720, 2), 2u << 20);
  // The bundled sample (about 700 KB) on 2 workers: 8 shards, so both work.
  EXPECT_EQ(ShardBytesFor(700000, 2), 87500u);
  EXPECT_EQ(ShardBytesFor(8u << 20, 4), 512u << 10);
  // Tiny inputs: no shard under 64 KiB; unknown size (stdin): the cap.
  EXPECT_EQ(ShardBytesFor(1000, 2), 64u << 10);
  EXPECT_EQ(ShardBytesFor(0, 2), 2u << 20);
  // No workers counted yet: as one.
  EXPECT_EQ(ShardBytesFor(1u << 20, 0), 256u << 10);
}

TEST_F(OutputStoreTest, ReportCountsLengthsAndDuplicates) {
  // Three articles: two identical, one different; one error.
  Annotator annotator;
  AnnotatorScratch scratch;
  AnnotationResult result;
  auto store = OutputStore::Open(dir_, "job\n", false);
  ASSERT_TRUE(store.ok());
  const char* texts[] = {"الجملة الأولى هنا. والثانية هناك أيضا.",
                         "الجملة الأولى هنا. والثانية هناك أيضا.",
                         "Something else entirely, in English."};
  for (int i = 0; i < 3; ++i) {
    ArticleView a;
    std::string id = "a" + std::to_string(i);
    a.id = id;
    a.text = texts[i];
    ASSERT_TRUE(annotator.Annotate(a, AnnotateOptions(), &scratch, &result).ok());
    std::string line;
    AppendResultJson(result, &line);
    (*store)->AppendResult(line, ResultEntry(i, scratch.analyzed));
  }
  (*store)->AppendError("{\"code\":\"INVALID_ARGUMENT\",\"error\":\"x\"}",
                        Entry(3, IndexEntry::kError));
  (*store)->SetPositions(4);
  ASSERT_TRUE((*store)->Finish(2).ok());
  ReportTiming timing;
  timing.seconds = 2;
  auto report = BuildReport((fs::path(dir_) / "results.jsonl").string(),
                            (fs::path(dir_) / "errors.jsonl").string(), IndexPath(dir_), timing);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(*report, HasSubstr("\"articles\": {\"in\": 4, \"processed\": 3, \"failed\": 1}"));
  EXPECT_THAT(*report, HasSubstr("\"INVALID_ARGUMENT\": 1"));
  EXPECT_THAT(*report, HasSubstr("\"exact\": {\"groups\": 1, \"articles\": 2"));
  EXPECT_THAT(*report, HasSubstr("\"ids\": [\"a0\", \"a1\"]"));
  EXPECT_THAT(*report, HasSubstr("\"articles_per_second\": 2"));
}

// A run feeds the report the fields its workers send (FillReportFields); a
// merge or a resumed run parses the lines. Both must count the same, for
// lines with and without language, label, keywords and sentences.
TEST_F(OutputStoreTest, ReportFromWorkerFieldsEqualsReportFromLines) {
  auto annotator = Annotator::Create(AnnotatorConfig());
  ASSERT_TRUE(annotator.ok()) << annotator.status();
  AnnotatorScratch scratch;
  AnnotationResult result;
  auto store = OutputStore::Open(dir_, "job\n", false);
  ASSERT_TRUE(store.ok());
  ReportBuilder from_fields;
  ReportFields fields;
  const char* texts[] = {
      "أعلنت وزارة الاقتصاد اليوم عن خطة جديدة لدعم الشركات الصغيرة. وقال الوزير إن الخطة "
      "تشمل قروضا ميسرة.",
      "The central bank raised interest rates again on Tuesday. Markets fell sharply after "
      "the \"surprise\" decision.",
      "أعلنت وزارة الاقتصاد اليوم عن خطة جديدة لدعم الشركات الصغيرة. وقال الوزير إن الخطة "
      "تشمل قروضا ميسرة.",
      "12345 67890",
      "Le gouvernement français a annoncé mardi une nouvelle réforme des retraites."};
  uint64_t seq = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (const char* text : texts) {
      AnnotateOptions options;
      if (pass == 1) {  // groups switched off: fields absent from the line
        options.keywords_enabled = false;
        options.sentences = false;
        options.language = false;
        options.classify = false;
      }
      ArticleView a;
      const std::string id = "a" + std::to_string(seq);
      a.id = id;
      a.text = text;
      ASSERT_TRUE((*annotator)->Annotate(a, options, &scratch, &result).ok());
      std::string line;
      AppendResultJson(result, &line);
      const IndexEntry e = ResultEntry(seq++, scratch.analyzed);
      (*store)->AppendResult(line, e);
      v1::ReportFields rf;
      FillReportFields(result, &rf);
      ASSERT_TRUE(ReportFieldsFromProto(rf, &fields));
      from_fields.AddResult(fields, e, line.size() + 1);
    }
    const std::string error = "{\"code\":\"INVALID_ARGUMENT\",\"error\":\"x\"}";
    (*store)->AppendError(error, Entry(seq++, IndexEntry::kError));
    from_fields.AddError(error);
  }
  (*store)->SetPositions(seq);
  ASSERT_TRUE((*store)->Finish(2).ok());
  ReportTiming timing;
  timing.seconds = 2;
  const std::string results = (fs::path(dir_) / "results.jsonl").string();
  auto want = BuildReport(results, (fs::path(dir_) / "errors.jsonl").string(), IndexPath(dir_),
                          timing);
  ASSERT_TRUE(want.ok()) << want.status();
  auto got = from_fields.Finish(results, IndexPath(dir_), timing);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, *want);
  // The lines did carry what is compared.
  EXPECT_THAT(*want, HasSubstr("\"(none)\": 5,\n    \"ar\": 2,\n    \"en\": 1,"));
  EXPECT_THAT(*want, HasSubstr("\"economy\": [[\""));
  EXPECT_THAT(*want, HasSubstr("\"tokens\": {\"n\": 5,"));
  EXPECT_THAT(*want, HasSubstr("\"sentences\": {\"n\": 5,"));
  EXPECT_THAT(*want, HasSubstr("{\"size\": 4, \"ids\": [\"a0\", \"a2\", \"a6\", \"a8\"]}"));
}

// A worker's keywords come as one string and their lengths; lengths that
// do not add up (a buggy or hostile worker) are refused, and the line is
// then parsed instead.
TEST(ReportFieldsFromProto, SplitsKeywordsAndRefusesLengthsThatDoNotAddUp) {
  v1::ReportFields rf;
  rf.set_lang("ar");
  rf.set_has_keywords(true);
  rf.set_keywords("abcdef");
  rf.add_keyword_bytes(2);
  rf.add_keyword_bytes(4);
  ReportFields f;
  ASSERT_TRUE(ReportFieldsFromProto(rf, &f));
  EXPECT_TRUE(f.has_lang);
  EXPECT_FALSE(f.has_label);
  EXPECT_THAT(f.keywords, ::testing::ElementsAre("ab", "cdef"));
  rf.add_keyword_bytes(1);  // past the end
  EXPECT_FALSE(ReportFieldsFromProto(rf, &f));
  rf.clear_keyword_bytes();
  rf.add_keyword_bytes(5);  // short of the end
  EXPECT_FALSE(ReportFieldsFromProto(rf, &f));
  rf.clear_keyword_bytes();
  rf.add_keyword_bytes(3);
  rf.add_keyword_bytes(0xFFFFFFFFu);  // would wrap around
  EXPECT_FALSE(ReportFieldsFromProto(rf, &f));
}

TEST(Fingerprint, CountsCodePointsAndEstimatesSimilarity) {
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints("عربي and more text é"), 20u);  // 4 + 16
  text::Analyzer analyzer;
  text::AnalyzedText a, b;
  const std::string base =
      "The committee met on Tuesday to discuss the budget for the coming year and agreed on "
      "most of the proposals put forward by the finance minister after a long debate";
  ASSERT_TRUE(analyzer.Analyze(base, &a).ok());
  const std::string longer = base + " today";  // outlives `b`, which views it
  ASSERT_TRUE(analyzer.Analyze(longer, &b).ok());
  ArticleFingerprint fa, fb;
  ComputeFingerprint(a, &fa);
  ComputeFingerprint(b, &fb);
  EXPECT_NE(fa.text_hash, fb.text_hash);
  EXPECT_GE(EstimateJaccard(fa.minhash, fb.minhash), 0.8);
  const std::string other = "Completely unrelated words about football and weather";
  ASSERT_TRUE(analyzer.Analyze(other, &b).ok());
  ComputeFingerprint(b, &fb);
  EXPECT_LT(EstimateJaccard(fa.minhash, fb.minhash), 0.3);
}

}  // namespace
}  // namespace qalam
