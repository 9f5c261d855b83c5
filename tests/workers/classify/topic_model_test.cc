// TopicModel and TrainTopicModel on a tiny generated corpus: training
// learns it, the file round-trips, damaged or foreign files are refused
// with a clear message, training is deterministic and prediction is the same
// from any thread; the neighbour member adds exactly its weight for a copy of
// a training article, and its part of the file is checked like the rest.
#include "workers/classify/topic_model.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "workers/classify/trainer.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace classify {
namespace {

using ::qalam_testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Doc {
  std::string title, text, label;
};

// Words typical of each label, plus shared filler; a small LCG picks them,
// so the corpus is the same on every run and platform.
const char* const kSport[] = {"match", "goal", "team", "coach", "league", "striker",
                              "stadium", "cup", "season", "referee"};
const char* const kEconomy[] = {"market", "shares", "bank", "inflation", "prices",
                                "investors", "oil", "trade", "budget", "profit"};
const char* const kTech[] = {"software", "phone", "internet", "chip", "robot",
                             "computer", "app", "data", "cloud", "startup"};
const char* const kArabicSport[] = {"مباراة", "هدف", "فريق", "مدرب", "الدوري", "ملعب", "كأس",
                                    "الموسم", "حكم", "لاعب"};
const char* const kFiller[] = {"today", "people", "new", "year", "city", "report",
                               "week", "government", "officials", "country"};

uint32_t Next(uint64_t* state) {
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return static_cast<uint32_t>(*state >> 33);
}

std::vector<Doc> MakeCorpus(int per_label, uint64_t seed) {
  std::vector<Doc> docs;
  uint64_t s = seed;
  struct L {
    const char* name;
    const char* const* words;
  } labels[] = {{"sport", kSport}, {"economy", kEconomy}, {"tech", kTech},
                {"arabic_sport", kArabicSport}};
  for (const L& l : labels) {
    for (int i = 0; i < per_label; ++i) {
      Doc d;
      d.label = l.name;
      d.title = absl::StrCat(l.words[Next(&s) % 10], " ", kFiller[Next(&s) % 10]);
      for (int w = 0; w < 30; ++w) {
        absl::StrAppend(&d.text, (Next(&s) % 3 == 0) ? kFiller[Next(&s) % 10]
                                                      : l.words[Next(&s) % 10],
                        (w % 10 == 9) ? ". " : " ");
      }
      docs.push_back(std::move(d));
    }
  }
  return docs;
}

TrainOptions SmallOptions() {
  TrainOptions o;
  o.features.bits = 16;  // a small table: the tests stay fast
  o.description = "test: yes\n";
  return o;
}

absl::StatusOr<std::unique_ptr<TopicModel>> Train(const std::vector<Doc>& docs,
                                                  const TrainOptions& o,
                                                  const std::vector<Doc>* dev = nullptr) {
  TrainingSet train(o.features), dev_set(o.features);
  for (const Doc& d : docs) {
    absl::Status s = train.Add(d.title, d.text, d.label);
    if (!s.ok()) return s;
  }
  if (dev != nullptr) {
    for (const Doc& d : *dev) {
      absl::Status s = dev_set.Add(d.title, d.text, d.label);
      if (!s.ok()) return s;
    }
  }
  return TrainTopicModel(train, dev != nullptr ? &dev_set : nullptr, o, nullptr);
}

std::string TempPath(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/topic_model_test_", name);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The predicted label of every doc, and its decision values.
struct Predictions {
  std::vector<std::string> labels;
  std::vector<std::vector<float>> scores;
};

Predictions PredictAll(const TopicModel& model, const std::vector<Doc>& docs) {
  text::Analyzer analyzer;
  text::AnalyzedText title, body;
  ClassifyScratch scratch;
  Predictions out;
  for (const Doc& d : docs) {
    EXPECT_TRUE(analyzer.Analyze(d.title, &title).ok());
    EXPECT_TRUE(analyzer.Analyze(d.text, &body).ok());
    TopicPrediction p;
    model.Classify(title, body, &scratch, &p);
    out.labels.push_back(model.label(p.label));
    model.DecisionValues(title, body, &scratch);
    out.scores.push_back(scratch.scores);
  }
  return out;
}

class TopicModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    train_ = new std::vector<Doc>(MakeCorpus(12, 1));
    dev_ = new std::vector<Doc>(MakeCorpus(4, 2));
    auto m = Train(*train_, SmallOptions(), dev_);
    ASSERT_TRUE(m.ok()) << m.status();
    model_ = m->release();
  }
  static void TearDownTestSuite() {
    delete model_;
    delete train_;
    delete dev_;
  }
  static const std::vector<Doc>* train_;
  static const std::vector<Doc>* dev_;
  static const TopicModel* model_;
};
const std::vector<Doc>* TopicModelTest::train_ = nullptr;
const std::vector<Doc>* TopicModelTest::dev_ = nullptr;
const TopicModel* TopicModelTest::model_ = nullptr;

TEST_F(TopicModelTest, LearnsTheTinyCorpus) {
  ASSERT_NE(model_, nullptr);
  EXPECT_THAT(model_->labels(), ElementsAre("arabic_sport", "economy", "sport", "tech"));
  Predictions p = PredictAll(*model_, *dev_);
  int correct = 0;
  for (size_t i = 0; i < dev_->size(); ++i) correct += p.labels[i] == (*dev_)[i].label;
  EXPECT_EQ(correct, static_cast<int>(dev_->size()));
}

TEST_F(TopicModelTest, ScoresAreProbabilitiesBestFirst) {
  text::Analyzer analyzer;
  text::AnalyzedText title, body;
  ClassifyScratch scratch;
  for (const Doc& d : *dev_) {
    ASSERT_TRUE(analyzer.Analyze(d.title, &title).ok());
    ASSERT_TRUE(analyzer.Analyze(d.text, &body).ok());
    TopicPrediction p;
    model_->Classify(title, body, &scratch, &p, /*max_labels=*/3, /*min_score=*/0.0f);
    ASSERT_FALSE(p.top.empty());
    EXPECT_LE(p.top.size(), 3u);
    EXPECT_EQ(p.top[0].label, p.label);
    EXPECT_FLOAT_EQ(p.top[0].score, p.confidence);
    float sum = 0;
    for (size_t i = 0; i < p.top.size(); ++i) {
      EXPECT_GE(p.top[i].score, 0.0f);
      EXPECT_LE(p.top[i].score, 1.0f);
      if (i > 0) {
        EXPECT_LE(p.top[i].score, p.top[i - 1].score);
      }
      sum += p.top[i].score;
    }
    EXPECT_LE(sum, 1.0f + 1e-5f);
  }
}

TEST_F(TopicModelTest, SaveLoadRoundTrip) {
  const std::string path = TempPath("roundtrip.bin");
  ASSERT_TRUE(model_->Save(path).ok());
  auto loaded = TopicModel::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const TopicModel& m = **loaded;
  EXPECT_EQ(m.labels(), model_->labels());
  EXPECT_EQ(m.num_buckets(), model_->num_buckets());
  EXPECT_EQ(m.temperature(), model_->temperature());
  EXPECT_EQ(m.feature_options().bits, 16u);
  EXPECT_THAT(m.description(), HasSubstr("test: yes"));
  EXPECT_EQ(m.Serialize(), model_->Serialize());
  EXPECT_EQ(ReadFile(path), model_->Serialize());
  Predictions a = PredictAll(*model_, *dev_), b = PredictAll(m, *dev_);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.scores, b.scores);
  std::remove(path.c_str());
}

TEST_F(TopicModelTest, MissingFileIsNotFound) {
  EXPECT_THAT(TopicModel::Load(TempPath("does-not-exist.bin")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("does-not-exist.bin")));
}

TEST_F(TopicModelTest, TruncatedFileIsRefused) {
  const std::string bytes = model_->Serialize();
  const std::string path = TempPath("truncated.bin");
  for (size_t keep : {size_t{0}, size_t{10}, size_t{63}, size_t{64}, bytes.size() / 2,
                      bytes.size() - 1}) {
    SCOPED_TRACE(keep);
    WriteFile(path, bytes.substr(0, keep));
    auto m = TopicModel::Load(path);
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.status().message(), HasSubstr(path));
    if (keep >= 8) {
      EXPECT_THAT(m, StatusIs(absl::StatusCode::kDataLoss, HasSubstr("truncated")));
    }
  }
  std::remove(path.c_str());
}

TEST_F(TopicModelTest, CorruptedFileIsRefused) {
  const std::string bytes = model_->Serialize();
  // A flipped bit anywhere after the header: in the description, the
  // labels, the biases or a weight.
  for (size_t at : {size_t{64}, size_t{200}, bytes.size() / 2, bytes.size() - 1}) {
    SCOPED_TRACE(at);
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    EXPECT_THAT(TopicModel::Parse(bad, "m.bin"),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("m.bin: checksum mismatch")));
  }
  // Trailing garbage.
  EXPECT_THAT(TopicModel::Parse(bytes + "xxxx", "m.bin"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("unexpected bytes")));
  // Not a model at all.
  EXPECT_THAT(TopicModel::Parse("{\"text\": \"hello\"}", "m.bin"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a qalam topic model")));
}

TEST_F(TopicModelTest, OtherFormatVersionIsRefused) {
  std::string bytes = model_->Serialize();
  bytes[8] = static_cast<char>(kTopicModelFormatVersion + 1);  // u32 little-endian at 8
  EXPECT_THAT(TopicModel::Parse(bytes, "m.bin"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat("format version ", kTopicModelFormatVersion + 1))));
}

TEST_F(TopicModelTest, OtherFeatureSchemeIsRefused) {
  std::string bytes = model_->Serialize();
  // The scheme (offset 40) is in the header, outside the checksum.
  bytes[40] = static_cast<char>(bytes[40] + 1);
  EXPECT_THAT(TopicModel::Parse(bytes, "m.bin"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("feature scheme")));
}

TEST_F(TopicModelTest, PredictionIsIdenticalAcrossThreads) {
  const Predictions expected = PredictAll(*model_, *dev_);
  constexpr int kThreads = 4;
  std::vector<Predictions> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) got[t] = PredictAll(*model_, *dev_);
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(got[t].labels, expected.labels);
    EXPECT_EQ(got[t].scores, expected.scores);  // bit for bit
  }
}

TEST(TopicTraining, SameSeedGivesByteIdenticalFiles) {
  const std::vector<Doc> train = MakeCorpus(10, 7);
  const std::vector<Doc> dev = MakeCorpus(3, 8);
  auto a = Train(train, SmallOptions(), &dev);
  auto b = Train(train, SmallOptions(), &dev);
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string pa = TempPath("det_a.bin"), pb = TempPath("det_b.bin");
  ASSERT_TRUE((*a)->Save(pa).ok());
  ASSERT_TRUE((*b)->Save(pb).ok());
  const std::string fa = ReadFile(pa), fb = ReadFile(pb);
  EXPECT_FALSE(fa.empty());
  EXPECT_TRUE(fa == fb) << "two trainings with the same seed differ";
  std::remove(pa.c_str());
  std::remove(pb.c_str());

  // Without a development set too (the temperature is then fitted on a
  // held-out share).
  auto c = Train(train, SmallOptions()), d = Train(train, SmallOptions());
  ASSERT_TRUE(c.ok() && d.ok());
  EXPECT_TRUE((*c)->Serialize() == (*d)->Serialize());
}

TEST(TopicTraining, NeedsTwoLabels) {
  std::vector<Doc> one_label = MakeCorpus(5, 3);
  one_label.resize(5);  // all "sport"
  EXPECT_THAT(Train(one_label, SmallOptions()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("at least 2 labels")));
}

TEST(TopicTraining, DropsALabelSeenOnce) {
  std::vector<Doc> docs = MakeCorpus(6, 4);
  docs.push_back(Doc{"", "a lonely article about gardening and flowers", "garden"});
  TrainingSet train(SmallOptions().features);
  for (const Doc& d : docs) ASSERT_TRUE(train.Add(d.title, d.text, d.label).ok());
  TrainReport report;
  auto m = TrainTopicModel(train, nullptr, SmallOptions(), &report);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_THAT(report.dropped_labels, ElementsAre("garden"));
  EXPECT_EQ((*m)->num_labels(), 4u);
}

// Decision values of one document.
std::vector<float> Scores(const TopicModel& model, const Doc& d) {
  text::Analyzer analyzer;
  text::AnalyzedText title, body;
  ClassifyScratch scratch;
  EXPECT_TRUE(analyzer.Analyze(d.title, &title).ok());
  EXPECT_TRUE(analyzer.Analyze(d.text, &body).ok());
  model.DecisionValues(title, body, &scratch);
  return scratch.scores;
}

// Rewrites the header's file size and checksum after `bytes` was edited, so
// that the loader's structural checks, not the checksum, meet the edit.
void Reseal(std::string* bytes) {
  std::string patch;
  const uint64_t size = bytes->size();
  const uint64_t sum = Hash64(bytes->data() + kTopicModelHeaderBytes,
                              bytes->size() - kTopicModelHeaderBytes, kTopicModelChecksumSeed);
  for (int i = 0; i < 8; ++i) patch.push_back(static_cast<char>((size >> (8 * i)) & 0xFF));
  for (int i = 0; i < 8; ++i) patch.push_back(static_cast<char>((sum >> (8 * i)) & 0xFF));
  bytes->replace(16, 16, patch);
}

// The tiny corpus plus one "syndicated" story told twice (so its own words
// reach min_df), labelled economy but written in sport words.
class NeighbourTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    train_ = new std::vector<Doc>(MakeCorpus(12, 1));
    dev_ = new std::vector<Doc>(MakeCorpus(4, 2));
    story_ = new Doc{"zorblat quindle",
                     "zorblat quindle marvex tolpen match goal team coach league striker. "
                     "stadium cup season referee vandrik ossel.",
                     "economy"};
    train_->push_back(*story_);
    train_->push_back(Doc{"zorblat quindle again",
                          "zorblat quindle marvex tolpen stadium cup. vandrik ossel team.",
                          "economy"});
    TrainOptions off = SmallOptions();
    off.centroid_weights = {1};
    off.neighbour_weights = {0};
    TrainOptions on = off;
    on.neighbour_weights = {1};
    auto a = Train(*train_, off, dev_);
    auto b = Train(*train_, on, dev_);
    ASSERT_TRUE(a.ok()) << a.status();
    ASSERT_TRUE(b.ok()) << b.status();
    without_ = a->release();
    with_ = b->release();
  }
  static void TearDownTestSuite() {
    delete without_;
    delete with_;
    delete train_;
    delete dev_;
    delete story_;
  }
  static std::vector<Doc>* train_;
  static const std::vector<Doc>* dev_;
  static const Doc* story_;
  static const TopicModel* without_;
  static const TopicModel* with_;
};
std::vector<Doc>* NeighbourTest::train_ = nullptr;
const std::vector<Doc>* NeighbourTest::dev_ = nullptr;
const Doc* NeighbourTest::story_ = nullptr;
const TopicModel* NeighbourTest::without_ = nullptr;
const TopicModel* NeighbourTest::with_ = nullptr;

TEST_F(NeighbourTest, ACopyOfATrainingArticleGetsTheWholeWeightForItsLabel) {
  ASSERT_NE(with_, nullptr);
  EXPECT_EQ(without_->num_neighbours(), 0u);
  EXPECT_EQ(with_->num_neighbours(), train_->size());
  ASSERT_GT(with_->neighbour_weight(), 0.0f);
  const std::vector<float> a = Scores(*without_, *story_), b = Scores(*with_, *story_);
  ASSERT_EQ(a.size(), b.size());
  uint32_t economy = 0;
  while (with_->label(economy) != "economy") ++economy;
  const float w = with_->neighbour_weight();
  for (uint32_t c = 0; c < a.size(); ++c) {
    SCOPED_TRACE(with_->label(c));
    const float added = b[c] - a[c];
    if (c == economy) {
      EXPECT_NEAR(added, w, 1e-4f * w);  // cos = 1: the story itself
    } else {
      EXPECT_GE(added, -1e-6f);
      EXPECT_LT(added, 0.5f * w);  // no other label holds a near copy
    }
  }
  // Words no model row holds: the member adds nothing.
  const std::vector<float> c = Scores(*without_, Doc{"", "plimsoll grommet", ""}),
                           d = Scores(*with_, Doc{"", "plimsoll grommet", ""});
  EXPECT_EQ(c, d);
}

TEST_F(NeighbourTest, FileRoundTripsAsVersion2) {
  const std::string bytes = with_->Serialize();
  EXPECT_EQ(bytes[8], 2);
  EXPECT_EQ(without_->Serialize()[8], 1);  // no member: the version 1 layout
  auto loaded = TopicModel::Parse(bytes, "n.bin");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->num_neighbours(), with_->num_neighbours());
  EXPECT_EQ((*loaded)->neighbour_weight(), with_->neighbour_weight());
  EXPECT_EQ((*loaded)->Serialize(), bytes);
  for (const Doc& d : *dev_) EXPECT_EQ(Scores(**loaded, d), Scores(*with_, d));
  EXPECT_EQ(Scores(**loaded, *story_), Scores(*with_, *story_));
  EXPECT_THAT(with_->description(), HasSubstr("neighbours: weight 1"));
}

TEST_F(NeighbourTest, DamagedMemberIsRefused) {
  const std::string bytes = with_->Serialize();
  // The last posting: (u32 document, f32 value) at the very end.
  const size_t last = bytes.size() - 8;
  {
    std::string bad = bytes;
    bad.replace(last, 4, std::string("\xff\xff\xff\x7f", 4));  // document out of range
    Reseal(&bad);
    EXPECT_THAT(TopicModel::Parse(bad, "n.bin"),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("n.bin: neighbour member")));
  }
  {
    std::string bad = bytes;
    const float two = 2.0f;
    bad.replace(last + 4, 4, std::string(reinterpret_cast<const char*>(&two), 4));
    Reseal(&bad);
    EXPECT_THAT(TopicModel::Parse(bad, "n.bin"),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("value")));
  }
  {
    std::string bad = bytes.substr(0, last);  // one posting short
    Reseal(&bad);
    EXPECT_THAT(TopicModel::Parse(bad, "n.bin"),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("neighbour postings")));
  }
  for (size_t keep : {bytes.size() - 1, bytes.size() - 8, bytes.size() / 2}) {
    SCOPED_TRACE(keep);
    EXPECT_THAT(TopicModel::Parse(bytes.substr(0, keep), "n.bin"),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("truncated")));
  }
  // And through Create: parts that do not fit together.
  TopicModelParts parts;
  parts.labels = {"a", "b"};
  parts.bias = {0, 0};
  parts.buckets = {1, 2};
  parts.idf = {1, 1};
  parts.weights = {1, 0, 0, 1};
  parts.neighbour_weight = 1;
  parts.neighbour_labels = {0, 1};
  parts.neighbour_start = {0, 1, 2};
  parts.neighbour_postings = {{0, 1.0f}, {1, 0.5f}};
  EXPECT_TRUE(TopicModel::Create(parts).ok());
  TopicModelParts bad_label = parts;
  bad_label.neighbour_labels = {0, 2};
  EXPECT_THAT(TopicModel::Create(bad_label),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("label is out of range")));
  TopicModelParts bad_start = parts;
  bad_start.neighbour_start = {0, 2, 1};
  EXPECT_THAT(TopicModel::Create(bad_start), StatusIs(absl::StatusCode::kInvalidArgument));
  // An idf so small that 1 / |x| would overflow a float (fuzz_topic_model).
  TopicModelParts tiny_idf = parts;
  tiny_idf.idf = {1e-30f, 1};
  EXPECT_THAT(TopicModel::Create(tiny_idf), StatusIs(absl::StatusCode::kDataLoss,
                                                     HasSubstr("invalid idf")));
  TopicModelParts bad_weight = parts;
  bad_weight.neighbour_weight = std::nanf("");
  EXPECT_THAT(TopicModel::Create(bad_weight), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TopicTraining, NeighbourMemberOverItsPostingLimitIsLeftOut) {
  const std::vector<Doc> train = MakeCorpus(10, 5), dev = MakeCorpus(3, 6);
  TrainOptions o = SmallOptions();
  o.neighbour_weights = {1};
  o.neighbour_max_postings = 10;
  TrainingSet train_set(o.features), dev_set(o.features);
  for (const Doc& d : train) ASSERT_TRUE(train_set.Add(d.title, d.text, d.label).ok());
  for (const Doc& d : dev) ASSERT_TRUE(dev_set.Add(d.title, d.text, d.label).ok());
  TrainReport report;
  auto m = TrainTopicModel(train_set, &dev_set, o, &report);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->num_neighbours(), 0u);
  EXPECT_FALSE(report.neighbour_member);
  EXPECT_THAT(report.neighbour_summary, HasSubstr("over the limit of 10"));
  EXPECT_THAT((*m)->description(), HasSubstr("over the limit of 10"));
  EXPECT_EQ((*m)->Serialize()[8], 1);
  // Without the limit the same data gives the member.
  o.neighbour_max_postings = TrainOptions().neighbour_max_postings;
  report = TrainReport();
  auto with = TrainTopicModel(train_set, &dev_set, o, &report);
  ASSERT_TRUE(with.ok()) << with.status();
  EXPECT_GT((*with)->num_neighbours(), 0u);
  EXPECT_TRUE(report.neighbour_member);
}

TEST(TopicTraining, NeighbourWeightsOutOfRangeAreRefused) {
  TrainOptions o = SmallOptions();
  o.neighbour_weights = {kMaxNeighbourWeight * 2};
  EXPECT_THAT(Train(MakeCorpus(4, 5), o, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("neighbour weights")));
  o.neighbour_weights = {};
  EXPECT_THAT(Train(MakeCorpus(4, 5), o, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TopicTraining, NoNeighbourMemberWithoutADevelopmentSet) {
  TrainOptions o = SmallOptions();
  o.neighbour_weights = {1};
  auto m = Train(MakeCorpus(10, 5), o);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->num_neighbours(), 0u);
  EXPECT_THAT((*m)->description(), ::testing::Not(HasSubstr("neighbours")));
}

}  // namespace
}  // namespace classify
}  // namespace qalam
