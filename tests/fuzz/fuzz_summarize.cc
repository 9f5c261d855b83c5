// Fuzzes the summariser and the keyword extractor with the bundled models:
// the input is split at the first newline into a title and a body (repaired
// to valid UTF-8, as qalam's ingress does), and the invariants of summaries
// and keywords are checked for both languages, with K = 1 and 3.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "workers/summarize/summarizer.h"
#include "workers/text/analyzer.h"
#include "workers/text/utf8.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

const qalam::summarize::Summarizer* Models() {
  static const qalam::summarize::Summarizer* s = [] {
    auto r = qalam::summarize::Summarizer::LoadFromDir(std::string(QALAM_SOURCE_DIR) + "/models");
    Check(r.ok(), "bundled models load");
    return r->release();
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qalam;
  std::string input;
  text::ReplaceInvalidUtf8(absl::string_view(reinterpret_cast<const char*>(data), size), &input);
  const size_t nl = input.find('\n');
  const std::string title = nl == std::string::npos ? "" : input.substr(0, nl);
  const std::string body = nl == std::string::npos ? input : input.substr(nl + 1);

  static const text::Analyzer* analyzer = new text::Analyzer();
  static text::AnalyzedText* title_doc = new text::AnalyzedText();
  static text::AnalyzedText* body_doc = new text::AnalyzedText();
  static summarize::SummarizerScratch* scratch = new summarize::SummarizerScratch();
  Check(analyzer->Analyze(title, title_doc).ok(), "analyze title");
  Check(analyzer->Analyze(body, body_doc).ok(), "analyze body");
  const size_t n = body_doc->sentences().size();
  summarize::Summary summary;
  std::vector<std::string> keywords;
  for (auto lang : {summarize::Language::kArabic, summarize::Language::kEnglish}) {
    for (int k : {1, 3}) {
      summarize::SummaryOptions o;
      o.sentences = k;
      Models()->Summarize(lang, *title_doc, *body_doc, o, scratch, &summary);
      Check(summary.sentences.size() == std::min<size_t>(n, k), "K sentences, or all");
      for (size_t i = 0; i < summary.sentences.size(); ++i) {
        Check(summary.sentences[i] < n, "index in range");
        Check(i == 0 || summary.sentences[i - 1] < summary.sentences[i], "ascending, distinct");
      }
      Check(text::ValidateUtf8(summary.text).ok(), "summary text is valid UTF-8");
      Check(summary.sentences.empty() == summary.text.empty(), "text iff sentences");
    }
    Models()->Keywords(lang, *title_doc, *body_doc, 10, scratch, &keywords);
    Check(keywords.size() <= 10, "at most N keywords");
    for (const std::string& kw : keywords) {
      Check(!kw.empty(), "keyword not empty");
      Check(text::ValidateUtf8(kw).ok(), "keyword is valid UTF-8");
    }
  }
  return 0;
}
