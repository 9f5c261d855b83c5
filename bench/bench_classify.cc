// Topic classification speed, one thread, one article at a time (Release):
//
//   QALAM_DATA_DIR=/work/shared/data build/bench/bench_classify --benchmark_min_time=2
//
// At start-up each task's model is trained in this process on the task's
// train split, with its dev split as the development set: the same model
// as `qalam train --data T/train.jsonl --dev T/dev.jsonl` (recipe defaults,
// seed 0). Training is not timed here (bench/README.md times `qalam train`).
// The argument is the task: 0 ar-ant, 1 ar-multi, 2 en-bbc, 3 en-ag,
// 4 en-cnn; every iteration classifies all articles of its dev split.
//
//   BM_Classify             the figure compared with fastText's predict
//                           docs/s: text analysis of title and body (the
//                           text core with its default options, as `qalam
//                           eval` and the Annotator run it) + features,
//                           tf-idf, dot product and argmax.
//   BM_ClassifyPreanalysed  the same on articles analysed beforehand: the
//                           classifier alone.
//   BM_Analyze              the text analysis alone.
//   BM_LoadBundledModels    TopicModel::Load of models/topic-ar.bin and
//                           models/topic-en.bin.
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_data.h"
#include "benchmark/benchmark.h"
#include "workers/classify/topic_model.h"
#include "workers/classify/trainer.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace {

const char* const kTasks[] = {"ar-ant", "ar-multi", "en-bbc", "en-ag", "en-cnn"};

struct Task {
  std::vector<bench::Article> dev;
  std::unique_ptr<classify::TopicModel> model;
  std::vector<std::unique_ptr<text::AnalyzedText>> titles, bodies;  // dev, analysed
  double accuracy = 0;
};

// Trains (once) and returns task `t`; null when its data is missing.
const Task* GetTask(int t) {
  static Task* tasks[5] = {};
  static bool tried[5] = {};
  if (tried[t]) return tasks[t];
  tried[t] = true;
  const std::string dir = bench::DataDir() + "/" + kTasks[t];
  std::vector<bench::Article> train = bench::LoadJsonl(dir + "/train.jsonl");
  auto task = std::make_unique<Task>();
  task->dev = bench::LoadJsonl(dir + "/dev.jsonl");
  if (train.empty() || task->dev.empty()) return nullptr;
  classify::TrainOptions options;
  classify::TrainingSet train_set(options.features), dev_set(options.features);
  for (const bench::Article& a : train) {
    if (!train_set.Add(a.title, a.text, a.label).ok()) return nullptr;
  }
  for (const bench::Article& a : task->dev) {
    if (!dev_set.Add(a.title, a.text, a.label).ok()) return nullptr;
  }
  classify::TrainReport report;
  auto model = classify::TrainTopicModel(train_set, &dev_set, options, &report);
  if (!model.ok()) return nullptr;
  task->model = std::move(*model);
  task->accuracy = report.dev.accuracy;
  text::Analyzer analyzer;
  for (const bench::Article& a : task->dev) {
    task->titles.push_back(std::make_unique<text::AnalyzedText>());
    task->bodies.push_back(std::make_unique<text::AnalyzedText>());
    (void)analyzer.Analyze(a.title, task->titles.back().get());
    (void)analyzer.Analyze(a.text, task->bodies.back().get());
  }
  tasks[t] = task.release();
  return tasks[t];
}

const Task* Setup(benchmark::State& state) {
  const int t = static_cast<int>(state.range(0));
  const Task* task = GetTask(t);
  if (task == nullptr) {
    state.SkipWithError("no data for the task (set QALAM_DATA_DIR to the shared data)");
    return nullptr;
  }
  state.SetLabel(kTasks[t]);
  return task;
}

void Finish(benchmark::State& state, const Task& task) {
  size_t bytes = 0;
  for (const bench::Article& a : task.dev) bytes += a.title.size() + a.text.size();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * task.dev.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["dev_accuracy"] = task.accuracy;
}

void BM_Classify(benchmark::State& state) {
  const Task* task = Setup(state);
  if (task == nullptr) return;
  text::Analyzer analyzer;
  text::AnalyzedText title, body;
  classify::ClassifyScratch scratch;
  size_t correct = 0;
  for (auto _ : state) {
    correct = 0;
    for (const bench::Article& a : task->dev) {
      (void)analyzer.Analyze(a.title, &title);
      (void)analyzer.Analyze(a.text, &body);
      task->model->DecisionValues(title, body, &scratch);
      const uint32_t p = classify::TopicModel::ArgMax(scratch.scores);
      correct += task->model->label(p) == a.label;
      benchmark::DoNotOptimize(p);
    }
  }
  Finish(state, *task);
  state.counters["accuracy_here"] = static_cast<double>(correct) / task->dev.size();
}
BENCHMARK(BM_Classify)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);

void BM_ClassifyPreanalysed(benchmark::State& state) {
  const Task* task = Setup(state);
  if (task == nullptr) return;
  classify::ClassifyScratch scratch;
  for (auto _ : state) {
    for (size_t i = 0; i < task->dev.size(); ++i) {
      task->model->DecisionValues(*task->titles[i], *task->bodies[i], &scratch);
      benchmark::DoNotOptimize(classify::TopicModel::ArgMax(scratch.scores));
    }
  }
  Finish(state, *task);
}
BENCHMARK(BM_ClassifyPreanalysed)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);

void BM_Analyze(benchmark::State& state) {
  const Task* task = Setup(state);
  if (task == nullptr) return;
  text::Analyzer analyzer;
  text::AnalyzedText title, body;
  for (auto _ : state) {
    for (const bench::Article& a : task->dev) {
      (void)analyzer.Analyze(a.title, &title);
      (void)analyzer.Analyze(a.text, &body);
      benchmark::DoNotOptimize(body.tokens().data());
    }
  }
  Finish(state, *task);
}
BENCHMARK(BM_Analyze)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);

void BM_LoadBundledModels(benchmark::State& state) {
  const std::string dir = std::string(QALAM_SOURCE_DIR) + "/models/";
  for (auto _ : state) {
    auto ar = classify::TopicModel::Load(dir + "topic-ar.bin");
    auto en = classify::TopicModel::Load(dir + "topic-en.bin");
    if (!ar.ok() || !en.ok()) {
      state.SkipWithError("cannot load models/topic-{ar,en}.bin");
      return;
    }
    benchmark::DoNotOptimize(ar->get());
    benchmark::DoNotOptimize(en->get());
  }
}
BENCHMARK(BM_LoadBundledModels)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace qalam

BENCHMARK_MAIN();
