// Fuzzes the language identifier with the bundled model: arbitrary bytes
// never crash or read out of bounds (ASan checks the reads), the confidence
// stays in [0, 1], and IdentifyArticle(a, b) is Identify(a + "\n" + b).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "workers/text/langid.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

const qalam::text::LanguageIdentifier& Identifier() {
  static const qalam::text::LanguageIdentifier* id = [] {
    auto loaded =
        qalam::text::LanguageIdentifier::Load(std::string(QALAM_SOURCE_DIR) + "/models/langid.bin");
    Check(loaded.ok(), "bundled model loads");
    return loaded->release();
  }();
  return *id;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using qalam::text::LanguageResult;
  const auto& id = Identifier();
  absl::string_view raw(reinterpret_cast<const char*>(data), size);

  const LanguageResult r = id.Identify(raw);
  Check(r.confidence >= 0.0 && r.confidence <= 1.0, "confidence in [0, 1]");
  Check(std::isfinite(r.margin) && std::isfinite(r.ngrams), "finite diagnostics");

  // Split the input at its first byte's value into a title and a text.
  const size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  const absl::string_view title = raw.substr(0, cut), text = raw.substr(cut);
  const LanguageResult a = id.IdentifyArticle(title, text);
  const LanguageResult b = id.Identify(std::string(title) + "\n" + std::string(text));
  Check(a.lang == b.lang && a.confidence == b.confidence && a.margin == b.margin,
        "IdentifyArticle(title, text) == Identify(title + \"\\n\" + text)");
  return 0;
}
