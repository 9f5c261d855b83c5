// The language identifier (workers/text/langid.h) on real text, Release:
//
//   QALAM_DATA_DIR=/path/to/shared/data build/bench/bench_langid --benchmark_min_time=2
//
// BM_LangidDev: the 3,809 texts of langid/dev.jsonl (12 languages, 20 to
// 2,900 characters). BM_LangidNews: whole articles (ar-multi dev, en-cnn
// dev), with title. BM_LangidTitles: their titles alone (short text).
// Each iteration identifies every text once; "texts/s" is the rate that
// compares with franc's 465 texts/s on the dev texts. Rates are per CPU
// second of the benchmark thread (Google Benchmark's default), which is
// what a loaded, shared machine can still measure. BM_LangidDevShared runs
// the same loop on 1 and 2 threads sharing one identifier (wall-clock
// rates): on an idle machine 2 threads should give about twice the rate.
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_data.h"
#include "benchmark/benchmark.h"
#include "workers/text/langid.h"

namespace qalam {
namespace {

using text::LanguageIdentifier;

const LanguageIdentifier* Identifier() {
  static const LanguageIdentifier* id = []() -> const LanguageIdentifier* {
    auto path = LanguageIdentifier::DefaultModelPath();
    if (!path.ok()) return nullptr;
    auto loaded = LanguageIdentifier::Load(*path);
    return loaded.ok() ? loaded->release() : nullptr;
  }();
  return id;
}

const std::vector<bench::Article>& Dev() {
  static const auto* v =
      new std::vector<bench::Article>(bench::LoadJsonl(bench::DataDir() + "/langid/dev.jsonl"));
  return *v;
}

const std::vector<bench::Article>& News(int lang) {
  static const auto* ar = new std::vector<bench::Article>(bench::ArabicNews());
  static const auto* en = new std::vector<bench::Article>(bench::EnglishNews());
  return lang == 0 ? *ar : *en;
}

bool Setup(benchmark::State& state, const std::vector<bench::Article>& docs) {
  if (Identifier() == nullptr) {
    state.SkipWithError("models/langid.bin not found");
    return false;
  }
  if (docs.empty()) {
    state.SkipWithError("no corpus (set QALAM_DATA_DIR to the shared data folder)");
    return false;
  }
  return true;
}

void Finish(benchmark::State& state, size_t texts, size_t bytes) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes));
  state.counters["texts/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(texts),
                         benchmark::Counter::kIsRate);
}

void BM_LangidDev(benchmark::State& state) {
  const auto& docs = Dev();
  if (!Setup(state, docs)) return;
  const LanguageIdentifier& id = *Identifier();
  for (auto _ : state) {
    for (const auto& d : docs) benchmark::DoNotOptimize(id.Identify(d.text));
  }
  Finish(state, docs.size(), bench::TotalBytes(docs));
}

void BM_LangidNews(benchmark::State& state) {
  const auto& docs = News(static_cast<int>(state.range(0)));
  if (!Setup(state, docs)) return;
  state.SetLabel(state.range(0) == 0 ? "ar-multi dev" : "en-cnn dev");
  const LanguageIdentifier& id = *Identifier();
  size_t bytes = 0;
  for (const auto& d : docs) bytes += d.title.size() + 1 + d.text.size();
  for (auto _ : state) {
    for (const auto& d : docs) benchmark::DoNotOptimize(id.IdentifyArticle(d.title, d.text));
  }
  Finish(state, docs.size(), bytes);
}

void BM_LangidTitles(benchmark::State& state) {
  const auto& docs = News(static_cast<int>(state.range(0)));
  if (!Setup(state, docs)) return;
  state.SetLabel(state.range(0) == 0 ? "ar-multi dev titles" : "en-cnn dev titles");
  const LanguageIdentifier& id = *Identifier();
  size_t bytes = 0;
  for (const auto& d : docs) bytes += d.title.size();
  for (auto _ : state) {
    for (const auto& d : docs) benchmark::DoNotOptimize(id.Identify(d.title));
  }
  Finish(state, docs.size(), bytes);
}

void BM_LangidDevShared(benchmark::State& state) { BM_LangidDev(state); }

BENCHMARK(BM_LangidDev);
BENCHMARK(BM_LangidDevShared)->ThreadRange(1, 2)->UseRealTime();
// Arg 0 = Arabic (ar-multi dev), 1 = English (en-cnn dev).
BENCHMARK(BM_LangidNews)->Arg(0)->Arg(1);
BENCHMARK(BM_LangidTitles)->Arg(0)->Arg(1);

}  // namespace
}  // namespace qalam

BENCHMARK_MAIN();
