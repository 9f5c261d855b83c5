// Fuzzes the JSON Lines article parser: any bytes give OK or a clear
// InvalidArgument, never a crash; accepted texts are valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "workers/pipeline/article.h"
#include "workers/text/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static qalam::ArticleParser* strict =
      new qalam::ArticleParser(qalam::ArticleFields(), qalam::ArticleLimits());
  static qalam::ArticleParser* lenient = [] {
    qalam::ArticleLimits l;
    l.replace_invalid_utf8 = true;
    l.max_text_bytes = 1000;
    return new qalam::ArticleParser(qalam::ArticleFields(), l);
  }();
  absl::string_view line(reinterpret_cast<const char*>(data), size);
  for (qalam::ArticleParser* p : {strict, lenient}) {
    qalam::ArticleView a;
    std::string id;
    absl::Status s = p->Parse(line, 1, &a, &id);
    if (s.ok()) {
      if (!qalam::text::ValidateUtf8(a.text).ok() || !qalam::text::ValidateUtf8(a.id).ok() ||
          a.text.empty()) {
        std::abort();
      }
    } else if (s.code() != absl::StatusCode::kInvalidArgument || s.message().empty()) {
      std::abort();
    }
  }
  return 0;
}
