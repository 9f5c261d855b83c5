#include "workers/summarize/model_file.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workers/summarize/df_table.h"
#include "workers/summarize/features.h"
#include "workers/summarize/summary_model.h"

namespace qalam {
namespace summarize {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/qalam_" + std::to_string(getpid()) + "_" +
         name;
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string TwoSections() {
  ModelFileWriter w("summarize");
  w.AddSection("alpha", "hello");
  w.AddSection("beta", std::string(1000, 'x'));
  return w.Serialize();
}

TEST(ModelFile, RoundTripsSections) {
  auto r = ModelFileReader::Parse(TwoSections(), "mem", "summarize");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r->Section("alpha"), "hello");
  EXPECT_EQ(*r->Section("beta"), std::string(1000, 'x'));
  EXPECT_FALSE(r->HasSection("gamma"));
  EXPECT_EQ(r->Section("gamma").status().code(), absl::StatusCode::kNotFound);
}

TEST(ModelFile, RefusesTruncatedFilesAtEveryLength) {
  const std::string bytes = TwoSections();
  for (size_t n : {size_t{0}, size_t{5}, size_t{63}, size_t{64}, size_t{100}, bytes.size() - 1}) {
    auto r = ModelFileReader::Parse(bytes.substr(0, n), "m.bin", "summarize");
    ASSERT_FALSE(r.ok()) << n;
    if (n >= 8) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << n;
      EXPECT_THAT(std::string(r.status().message()), HasSubstr("m.bin: truncated")) << n;
    }
  }
}

TEST(ModelFile, RefusesCorruptedBytes) {
  std::string bytes = TwoSections();
  bytes[bytes.size() - 10] ^= 0x20;  // inside section beta
  auto r = ModelFileReader::Parse(bytes, "m.bin", "summarize");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("checksum mismatch"));
}

TEST(ModelFile, RefusesOtherFilesKindsAndVersions) {
  EXPECT_EQ(ModelFileReader::Parse("just some text, not a model at all", "x", "summarize")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  auto kind = ModelFileReader::Parse(TwoSections(), "x", "classify");
  EXPECT_THAT(std::string(kind.status().message()), HasSubstr("'summarize' model, expected"));
  std::string v2 = TwoSections();
  v2[8] = 2;  // format version
  auto version = ModelFileReader::Parse(v2, "x", "summarize");
  EXPECT_THAT(std::string(version.status().message()), HasSubstr("format version 2"));
  std::string extra = TwoSections() + "junk";
  EXPECT_EQ(ModelFileReader::Parse(extra, "x", "summarize").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(DfTable, IdfAndSerialisation) {
  std::vector<std::pair<uint64_t, uint32_t>> entries;
  for (uint64_t k = 1; k <= 5000; ++k) entries.emplace_back(k * 0x100000001B3ULL + 7, k % 7 + 1);
  entries.emplace_back(0, 3);  // key 0 is a valid key too
  DfTable t(100, entries);
  EXPECT_EQ(t.size(), entries.size());
  EXPECT_EQ(t.Count(0), 3u);
  EXPECT_EQ(t.Count(12345), 0u);
  EXPECT_DOUBLE_EQ(t.Idf(12345), std::log(101.0 / 1.0) + 1.0);
  EXPECT_DOUBLE_EQ(t.Idf(entries[0].first), std::log(101.0 / 3.0) + 1.0);
  auto back = DfTable::Parse(t.Serialize(), "t");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->num_docs(), 100u);
  EXPECT_EQ(back->SortedEntries(), t.SortedEntries());
  // A payload whose entries were shuffled is refused.
  std::string bad = t.Serialize();
  for (int i = 0; i < 8; ++i) std::swap(bad[16 + i], bad[24 + i]);  // keys 0 and 1
  EXPECT_EQ(DfTable::Parse(bad, "t").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DfTable::Parse(bad.substr(0, 30), "t").status().code(), absl::StatusCode::kDataLoss);
}

std::unique_ptr<SummaryModel> SmallModel() {
  SummaryModel::Parts p;
  p.language = Language::kArabic;
  for (int i = 0; i < kNumFeatures; ++i) p.weights.push_back(0.25 * i - 3);
  p.stem_df = DfTable(10, {{1, 2}, {2, 5}});
  p.phrase_df = DfTable(10, {{3, 1}});
  p.lexicon = DfTable(4, {{4, 9}});
  p.description = "test model\nsecond line";
  auto m = SummaryModel::Create(std::move(p));
  EXPECT_TRUE(m.ok()) << m.status();
  return std::move(m).value();
}

TEST(SummaryModel, RoundTripsThroughAFile) {
  const std::unique_ptr<SummaryModel> m = SmallModel();
  const std::string path = TempPath("model.bin");
  ASSERT_TRUE(m->Save(path).ok());
  auto back = SummaryModel::Load(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)->language(), Language::kArabic);
  EXPECT_EQ((*back)->weights(), m->weights());
  EXPECT_EQ((*back)->stem_df().Count(2), 5u);
  EXPECT_EQ((*back)->phrase_df().Count(3), 1u);
  EXPECT_EQ((*back)->lexicon().Count(4), 9u);
  EXPECT_EQ((*back)->description(), "test model\nsecond line");
  EXPECT_EQ((*back)->Serialize(), m->Serialize());
  std::remove(path.c_str());
}

TEST(SummaryModel, RefusesTruncatedAndCorruptedFiles) {
  const std::string bytes = SmallModel()->Serialize();
  const std::string path = TempPath("bad.bin");
  WriteAll(path, bytes.substr(0, bytes.size() / 2));
  auto truncated = SummaryModel::Load(path);
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(truncated.status().message()), HasSubstr(path + ": truncated"));
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 1;
  WriteAll(path, flipped);
  auto corrupted = SummaryModel::Load(path);
  EXPECT_EQ(corrupted.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(corrupted.status().message()), HasSubstr("checksum mismatch"));
  std::remove(path.c_str());
  EXPECT_EQ(SummaryModel::Load(path).status().code(), absl::StatusCode::kNotFound);
}

TEST(SummaryModel, RefusesAModelForOtherFeatures) {
  // Rename a feature in the meta section and re-checksum through the writer.
  auto file = ModelFileReader::Parse(SmallModel()->Serialize(), "m", "summarize");
  ASSERT_TRUE(file.ok());
  ModelFileWriter w("summarize");
  for (const char* name : {"meta", "weights", "stem_df", "phrase_df", "lexicon"}) {
    std::string data(*file->Section(name));
    if (std::string(name) == "meta") data = absl::StrReplaceAll(data, {{"is_first", "is_1st"}});
    w.AddSection(name, data);
  }
  auto m = SummaryModel::Parse(w.Serialize(), "m");
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("other sentence features"));
}

TEST(SummaryModel, NeedsOneFiniteWeightPerFeature) {
  SummaryModel::Parts p;
  p.weights = {1.0, 2.0};
  EXPECT_EQ(SummaryModel::Create(std::move(p)).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SummaryModel, BundledModelsLoad) {
  for (const char* lang : {"ar", "en"}) {
    auto m =
        SummaryModel::Load(std::string(QALAM_SOURCE_DIR) + "/models/summarize-" + lang + ".bin");
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(LanguageCode((*m)->language()), lang);
    EXPECT_GT((*m)->stem_df().size(), 10000u);
    EXPECT_GT((*m)->phrase_df().size(), 10000u);
  }
}

}  // namespace
}  // namespace summarize
}  // namespace qalam
