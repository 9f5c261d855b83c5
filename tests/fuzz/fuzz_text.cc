// Fuzzes the text core: UTF-8 validation and repair, normalisation and the
// segment pass, asserting their invariants on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "workers/text/analyzer.h"
#include "workers/text/normalizer.h"
#include "workers/text/utf8.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

bool OnBoundary(absl::string_view s, uint32_t off) {
  return off == s.size() || (static_cast<unsigned char>(s[off]) & 0xC0) != 0x80;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qalam::text;
  absl::string_view raw(reinterpret_cast<const char*>(data), size);

  // Repair always yields valid UTF-8, and valid input is left alone.
  std::string text;
  size_t replaced = ReplaceInvalidUtf8(raw, &text);
  Check(ValidateUtf8(text).ok(), "repaired text is valid");
  Check((replaced == 0) == (FindInvalidUtf8(raw) == absl::string_view::npos),
        "repair count agrees with validation");

  static const Analyzer* analyzer = new Analyzer();
  static AnalyzedText* doc = new AnalyzedText();

  // Unvalidated bytes: no crash, spans in bounds (ASan checks the reads).
  Check(analyzer->Analyze(raw, doc).ok(), "analyze raw");
  for (const Token& t : doc->tokens()) Check(t.begin <= t.end && t.end <= raw.size(), "raw span");

  // Valid text: every invariant.
  Check(analyzer->Analyze(text, doc).ok(), "analyze");
  uint32_t prev_end = 0;
  uint32_t words = 0;
  for (const Token& t : doc->tokens()) {
    Check(t.begin < t.end, "token not empty");
    Check(t.end <= text.size(), "token in bounds");
    Check(prev_end <= t.begin, "tokens ordered, not overlapping");
    Check(OnBoundary(text, t.begin) && OnBoundary(text, t.end), "token on UTF-8 boundaries");
    Check(t.stem_skip + t.stem_len <= t.norm_len, "stem inside norm");
    Check(ValidateUtf8(doc->norm(t)).ok(), "norm is valid UTF-8");
    if (IsWordLike(t.kind)) ++words;
    prev_end = t.end;
  }
  Check(words == doc->word_count(), "word count");
  uint32_t prev_sentence_end = 0;
  uint32_t next_token = 0;
  for (const Sentence& s : doc->sentences()) {
    Check(s.begin < s.end && s.end <= text.size(), "sentence in bounds");
    Check(prev_sentence_end <= s.begin, "sentences ordered");
    Check(OnBoundary(text, s.begin) && OnBoundary(text, s.end), "sentence on boundaries");
    Check(s.token_begin == next_token && s.token_begin < s.token_end, "sentence token ranges");
    next_token = s.token_end;
    prev_sentence_end = s.end;
  }
  Check(next_token == doc->tokens().size(), "sentences cover every token");

  // Normalisation is idempotent and maps back into the text.
  Normalizer n;
  std::string once, twice;
  std::vector<uint32_t> src;
  n.NormalizeWithOffsets(text, &once, &src);
  Check(src.size() == once.size(), "one source offset per byte");
  for (uint32_t o : src) Check(o < text.size(), "source offset in bounds");
  n.Normalize(once, &twice);
  Check(once == twice, "normalisation idempotent");
  std::string direct;
  n.Normalize(text, &direct);
  Check(direct == once, "both normalisers agree");
  return 0;
}
