// Summaries and keywords on real news, one article at a time, one thread
// (Release):
//
//   build/bench/bench_summarize --benchmark_min_time=2
//
// The corpus is ar-multi dev (bench_data.h; the bundled sample when the
// shared data is absent) and, for the English rows, en-cnn dev. Models come
// from models/ in the source tree.
//
//   BM_AnalyzeSummarizeKeywords  the whole job per article: text analysis of
//                                title and body, summary (K=3) and 10
//                                keywords. The figure bench/README.md
//                                reports.
//   BM_SummarizeKeywords         the same on articles analysed beforehand:
//                                summary + keywords alone.
//   BM_Summarize, BM_Keywords    each on its own, analysis excluded.
//   BM_Analyze                   the text analysis alone (title + body).
//   BM_LoadModels                loading both model files.
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_data.h"
#include "benchmark/benchmark.h"
#include "workers/summarize/summarizer.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace {

using summarize::Language;

const std::vector<bench::Article>& Corpus(int lang) {
  static const auto* ar = new std::vector<bench::Article>(bench::ArabicNews());
  static const auto* en = new std::vector<bench::Article>(bench::EnglishNews());
  return lang == 0 ? *ar : *en;
}

const summarize::Summarizer* Models() {
  static const summarize::Summarizer* s = [] {
    auto r = summarize::Summarizer::LoadFromDir(std::string(QALAM_SOURCE_DIR) + "/models");
    return r.ok() ? r->release() : nullptr;
  }();
  return s;
}

// Articles analysed once, kept for the benchmarks that exclude analysis.
struct Analysed {
  std::vector<std::unique_ptr<text::AnalyzedText>> titles, bodies;
};

const Analysed& Preanalysed(int lang) {
  static Analysed* cache[2] = {nullptr, nullptr};
  if (cache[lang] == nullptr) {
    auto* a = new Analysed;
    text::Analyzer analyzer;
    for (const bench::Article& d : Corpus(lang)) {
      a->titles.push_back(std::make_unique<text::AnalyzedText>());
      a->bodies.push_back(std::make_unique<text::AnalyzedText>());
      (void)analyzer.Analyze(d.title, a->titles.back().get());
      (void)analyzer.Analyze(d.text, a->bodies.back().get());
    }
    cache[lang] = a;
  }
  return *cache[lang];
}

bool Setup(benchmark::State& state, int lang) {
  if (Corpus(lang).empty()) {
    state.SkipWithError("no corpus (../shared/data missing)");
    return false;
  }
  if (Models() == nullptr) {
    state.SkipWithError("cannot load models/summarize-*.bin");
    return false;
  }
  state.SetLabel(lang == 0 ? "ar" : "en");
  return true;
}

void Finish(benchmark::State& state, int lang) {
  const auto& docs = Corpus(lang);
  size_t bytes = 0;
  for (const auto& d : docs) bytes += d.text.size() + d.title.size();
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes));
  state.counters["articles/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * docs.size()), benchmark::Counter::kIsRate);
}

Language LangOf(int lang) { return lang == 0 ? Language::kArabic : Language::kEnglish; }

void BM_AnalyzeSummarizeKeywords(benchmark::State& state) {
  const int lang = static_cast<int>(state.range(0));
  if (!Setup(state, lang)) return;
  const auto& docs = Corpus(lang);
  text::Analyzer analyzer;
  text::AnalyzedText title, body;
  summarize::SummarizerScratch scratch;
  summarize::Summary summary;
  std::vector<std::string> keywords;
  summarize::SummaryOptions options;
  for (auto _ : state) {
    for (const bench::Article& d : docs) {
      (void)analyzer.Analyze(d.title, &title);
      (void)analyzer.Analyze(d.text, &body);
      Models()->Summarize(LangOf(lang), title, body, options, &scratch, &summary);
      Models()->Keywords(LangOf(lang), title, body, 10, &scratch, &keywords);
      benchmark::DoNotOptimize(summary.text.data());
      benchmark::DoNotOptimize(keywords.data());
    }
  }
  Finish(state, lang);
}
BENCHMARK(BM_AnalyzeSummarizeKeywords)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_SummarizeKeywords(benchmark::State& state) {
  const int lang = static_cast<int>(state.range(0));
  if (!Setup(state, lang)) return;
  const Analysed& a = Preanalysed(lang);
  summarize::SummarizerScratch scratch;
  summarize::Summary summary;
  std::vector<std::string> keywords;
  summarize::SummaryOptions options;
  for (auto _ : state) {
    for (size_t i = 0; i < a.bodies.size(); ++i) {
      Models()->Summarize(LangOf(lang), *a.titles[i], *a.bodies[i], options, &scratch, &summary);
      Models()->Keywords(LangOf(lang), *a.titles[i], *a.bodies[i], 10, &scratch, &keywords);
      benchmark::DoNotOptimize(summary.text.data());
      benchmark::DoNotOptimize(keywords.data());
    }
  }
  Finish(state, lang);
}
BENCHMARK(BM_SummarizeKeywords)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_Summarize(benchmark::State& state) {
  const int lang = static_cast<int>(state.range(0));
  if (!Setup(state, lang)) return;
  const Analysed& a = Preanalysed(lang);
  summarize::SummarizerScratch scratch;
  summarize::Summary summary;
  summarize::SummaryOptions options;
  for (auto _ : state) {
    for (size_t i = 0; i < a.bodies.size(); ++i) {
      Models()->Summarize(LangOf(lang), *a.titles[i], *a.bodies[i], options, &scratch, &summary);
      benchmark::DoNotOptimize(summary.text.data());
    }
  }
  Finish(state, lang);
}
BENCHMARK(BM_Summarize)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_Keywords(benchmark::State& state) {
  const int lang = static_cast<int>(state.range(0));
  if (!Setup(state, lang)) return;
  const Analysed& a = Preanalysed(lang);
  summarize::SummarizerScratch scratch;
  std::vector<std::string> keywords;
  for (auto _ : state) {
    for (size_t i = 0; i < a.bodies.size(); ++i) {
      Models()->Keywords(LangOf(lang), *a.titles[i], *a.bodies[i], 10, &scratch, &keywords);
      benchmark::DoNotOptimize(keywords.data());
    }
  }
  Finish(state, lang);
}
BENCHMARK(BM_Keywords)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_Analyze(benchmark::State& state) {
  const int lang = static_cast<int>(state.range(0));
  if (!Setup(state, lang)) return;
  const auto& docs = Corpus(lang);
  text::Analyzer analyzer;
  text::AnalyzedText title, body;
  for (auto _ : state) {
    for (const bench::Article& d : docs) {
      (void)analyzer.Analyze(d.title, &title);
      (void)analyzer.Analyze(d.text, &body);
      benchmark::DoNotOptimize(body.tokens().data());
    }
  }
  Finish(state, lang);
}
BENCHMARK(BM_Analyze)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_LoadModels(benchmark::State& state) {
  const std::string dir = std::string(QALAM_SOURCE_DIR) + "/models";
  for (auto _ : state) {
    auto s = summarize::Summarizer::LoadFromDir(dir);
    if (!s.ok()) {
      state.SkipWithError(std::string(s.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(s->get());
  }
}
BENCHMARK(BM_LoadModels)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace qalam

BENCHMARK_MAIN();
