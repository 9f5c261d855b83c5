// TopicModel and TrainTopicModel on a tiny generated corpus: training
// learns it, the file round-trips, damaged or foreign files are refused
// with a clear message, training is deterministic and prediction is the same
// from any thread.
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

}  // namespace
}  // namespace classify
}  // namespace qalam
