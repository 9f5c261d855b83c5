// The text core's hot paths beside ICU's BreakIterators, on the same real
// news text, in one binary (Release, one thread):
//
//   build/bench/bench_text --benchmark_min_time=2
//
// Every benchmark walks the same articles one at a time, as the pipeline
// does, and reports bytes/s of article text.
#include <unicode/brkiter.h>
#include <unicode/stringpiece.h>
#include <unicode/unistr.h>
#include <unicode/utext.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/bench_data.h"
#include "benchmark/benchmark.h"
#include "workers/pipeline/fingerprint.h"
#include "workers/text/analyzer.h"
#include "workers/text/normalizer.h"

namespace qalam {
namespace {

const std::vector<bench::Article>& Corpus(int lang) {
  static const auto* ar = new std::vector<bench::Article>(bench::ArabicNews());
  static const auto* en = new std::vector<bench::Article>(bench::EnglishNews());
  return lang == 0 ? *ar : *en;
}

bool Setup(benchmark::State& state, const std::vector<bench::Article>& docs) {
  if (docs.empty()) {
    state.SkipWithError("no corpus (../shared/data missing)");
    return false;
  }
  state.SetLabel(state.range(0) == 0 ? "ar" : "en");
  return true;
}

void Finish(benchmark::State& state, const std::vector<bench::Article>& docs) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(bench::TotalBytes(docs)));
  state.counters["articles/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * docs.size()), benchmark::Counter::kIsRate);
}

void BM_Normalize(benchmark::State& state) {
  const auto& docs = Corpus(static_cast<int>(state.range(0)));
  if (!Setup(state, docs)) return;
  text::Normalizer n;
  std::string out;
  for (auto _ : state) {
    for (const auto& d : docs) {
      out.clear();
      n.Normalize(d.text, &out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  Finish(state, docs);
}

// Tokens with their normalised forms and hashes (no stems, no sentences).
void BM_Tokens(benchmark::State& state) {
  const auto& docs = Corpus(static_cast<int>(state.range(0)));
  if (!Setup(state, docs)) return;
  text::AnalyzerOptions o;
  o.stems = false;
  o.sentences = false;
  text::Analyzer a(o);
  text::AnalyzedText doc;
  for (auto _ : state) {
    for (const auto& d : docs) {
      (void)a.Analyze(d.text, &doc);
      benchmark::DoNotOptimize(doc.tokens().data());
    }
  }
  Finish(state, docs);
}

// Sentence splitting alone, over tokens computed once beforehand.
void BM_Sentences(benchmark::State& state) {
  const auto& docs = Corpus(static_cast<int>(state.range(0)));
  if (!Setup(state, docs)) return;
  text::AnalyzerOptions o;
  o.sentences = false;
  text::Analyzer a(o);
  std::vector<std::unique_ptr<text::AnalyzedText>> analysed;
  for (const auto& d : docs) {
    analysed.push_back(std::make_unique<text::AnalyzedText>());
    (void)a.Analyze(d.text, analysed.back().get());
  }
  std::vector<text::Sentence> out;
  for (auto _ : state) {
    for (const auto& doc : analysed) {
      out.clear();
      text::SplitSentences(*doc, &out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  Finish(state, docs);
}

// The whole segment pass: normalise + tokens + stems + sentences.
void BM_Segment(benchmark::State& state) {
  const auto& docs = Corpus(static_cast<int>(state.range(0)));
  if (!Setup(state, docs)) return;
  text::Analyzer a;
  text::AnalyzedText doc;
  for (auto _ : state) {
    for (const auto& d : docs) {
      (void)a.Analyze(d.text, &doc);
      benchmark::DoNotOptimize(doc.sentences().data());
    }
  }
  Finish(state, docs);
}

// The pipeline's article fingerprint (workers/pipeline/fingerprint.h: the
// exact-duplicate hash and the MinHash signature that `qalam run`'s workers
// compute for report.json) on texts analysed beforehand: its cost on top of
// the segment pass. Bytes/s are bytes of the text, as elsewhere here.
void BM_Fingerprint(benchmark::State& state) {
  const auto& docs = Corpus(static_cast<int>(state.range(0)));
  if (!Setup(state, docs)) return;
  text::Analyzer a;
  std::vector<text::AnalyzedText> analysed(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) (void)a.Analyze(docs[i].text, &analysed[i]);
  ArticleFingerprint fp;
  for (auto _ : state) {
    for (const text::AnalyzedText& doc : analysed) {
      ComputeFingerprint(doc, &fp);
      benchmark::DoNotOptimize(fp.minhash.data());
    }
  }
  Finish(state, docs);
}

// ICU's BreakIterators on the same articles, one iterator reused for every
// article, as STYLE.md recommends, given the text in one of three forms:
//   kUtf8               the UTF-8 itself, through utext_openUTF8 (no copy);
//   kUtf16Convert       a UTF-16 copy made inside the timed loop (what a
//                       caller with UTF-8 text pays);
//   kUtf16Preconverted  UTF-16 copies made before timing: ICU's native text
//                       form, which its iterators walk faster than a UTF-8
//                       UText (its fastest case).
// Bytes/s are bytes of the UTF-8 text in every form, as everywhere in this
// binary.
enum class TextForm { kUtf8, kUtf16Convert, kUtf16Preconverted };

void IcuBreaks(benchmark::State& state, bool words, TextForm form) {
  const auto& docs = Corpus(static_cast<int>(state.range(0)));
  if (!Setup(state, docs)) return;
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale loc(state.range(0) == 0 ? "ar" : "en");
  std::unique_ptr<icu::BreakIterator> it(
      words ? icu::BreakIterator::createWordInstance(loc, status)
            : icu::BreakIterator::createSentenceInstance(loc, status));
  if (U_FAILURE(status)) {
    state.SkipWithError("ICU BreakIterator unavailable");
    return;
  }
  auto utf16 = [](const std::string& t) {
    return icu::UnicodeString::fromUTF8(icu::StringPiece(t.data(), static_cast<int32_t>(t.size())));
  };
  std::vector<icu::UnicodeString> copies;
  if (form == TextForm::kUtf16Preconverted) {
    for (const auto& d : docs) copies.push_back(utf16(d.text));
  }
  icu::UnicodeString converted;
  UText* ut = nullptr;
  for (auto _ : state) {
    for (size_t i = 0; i < docs.size(); ++i) {
      const std::string& text = docs[i].text;
      switch (form) {
        case TextForm::kUtf8:
          status = U_ZERO_ERROR;
          ut = utext_openUTF8(ut, text.data(), static_cast<int64_t>(text.size()), &status);
          it->setText(ut, status);
          break;
        case TextForm::kUtf16Convert:
          converted = utf16(text);
          it->setText(converted);
          break;
        case TextForm::kUtf16Preconverted:
          it->setText(copies[i]);
          break;
      }
      int64_t count = 0;
      for (int32_t b = it->first(); b != icu::BreakIterator::DONE; b = it->next()) {
        if (!words || it->getRuleStatus() != UBRK_WORD_NONE) ++count;
      }
      benchmark::DoNotOptimize(count);
    }
  }
  if (ut != nullptr) utext_close(ut);
  Finish(state, docs);
}

void BM_IcuWordBreak(benchmark::State& state) { IcuBreaks(state, true, TextForm::kUtf8); }
void BM_IcuWordBreakUtf16(benchmark::State& state) {
  IcuBreaks(state, true, TextForm::kUtf16Preconverted);
}
void BM_IcuWordBreakUtf16Convert(benchmark::State& state) {
  IcuBreaks(state, true, TextForm::kUtf16Convert);
}
void BM_IcuSentenceBreak(benchmark::State& state) { IcuBreaks(state, false, TextForm::kUtf8); }

// Arg 0 = Arabic (ar-multi dev), 1 = English (en-cnn dev).
BENCHMARK(BM_Normalize)->Arg(0)->Arg(1);
BENCHMARK(BM_Tokens)->Arg(0)->Arg(1);
BENCHMARK(BM_Sentences)->Arg(0)->Arg(1);
BENCHMARK(BM_Segment)->Arg(0)->Arg(1);
BENCHMARK(BM_Fingerprint)->Arg(0)->Arg(1);
BENCHMARK(BM_IcuWordBreak)->Arg(0)->Arg(1);
BENCHMARK(BM_IcuWordBreakUtf16)->Arg(0)->Arg(1);
BENCHMARK(BM_IcuWordBreakUtf16Convert)->Arg(0)->Arg(1);
BENCHMARK(BM_IcuSentenceBreak)->Arg(0)->Arg(1);

}  // namespace
}  // namespace qalam

BENCHMARK_MAIN();
