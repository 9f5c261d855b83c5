// Articles as qalam receives them, and the parser for one JSON Lines record.
//
// The contract (docs/CONTRACT.md): a JSON object per line with `text`
// (required), `id`, `title` and `lang` (optional); other fields are ignored;
// the field names can be renamed. A line without an id gets "line-N".
#ifndef QALAM_WORKERS_PIPELINE_ARTICLE_H_
#define QALAM_WORKERS_PIPELINE_ARTICLE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace qalam {

// Where the fields of an article are found in a JSON record.
struct ArticleFields {
  std::string text = "text";
  std::string id = "id";
  std::string title = "title";
  std::string lang = "lang";
};

// One article. The views point into memory owned by whoever filled it (an
// ArticleParser, a request message); see there for how long they live.
struct ArticleView {
  absl::string_view id;
  absl::string_view title;
  absl::string_view text;
  absl::string_view lang_hint;  // "" when not given
};

// Limits applied to every article, wherever it comes from.
struct ArticleLimits {
  // Articles whose text is longer are refused with RESOURCE_EXHAUSTED-like
  // InvalidArgument "text of N bytes exceeds the limit of M". 16 MiB.
  size_t max_text_bytes = 16u << 20;
  // Replace invalid UTF-8 with U+FFFD instead of refusing the record.
  bool replace_invalid_utf8 = false;
};

// Parses JSON Lines records into ArticleViews. Keeps a simdjson parser and
// buffers that are reused from one record to the next.
//
// Not thread-safe: one per thread.
class ArticleParser {
 public:
  ArticleParser(ArticleFields fields, ArticleLimits limits);
  ~ArticleParser();
  ArticleParser(const ArticleParser&) = delete;
  ArticleParser& operator=(const ArticleParser&) = delete;

  // Parses one JSON record (a line, without its line break). `line_no` (from
  // 1) names articles without an id ("line-17").
  //
  // On success fills `*out`, whose views stay valid until the next Parse on
  // this parser. Errors (all InvalidArgument, with a message meant for
  // errors.jsonl):
  //   "invalid UTF-8 at byte N of the record", "malformed JSON: ...",
  //   "record is not a JSON object", "no \"text\" field",
  //   "\"text\" is not a string", "empty text", "text of N bytes exceeds...",
  //   "\"id\" is not a string or a number", ...
  // When parsing fails after the id was read, `*id_out` (if not null) holds
  // it, so errors can name the article.
  absl::Status Parse(absl::string_view line, uint64_t line_no, ArticleView* out,
                     std::string* id_out = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Checks an article from any source (JSON, a .txt file, an RPC): text is
// valid UTF-8, not empty or blank, and within `limits`. The same messages as
// ArticleParser::Parse.
absl::Status ValidateArticleText(absl::string_view text, const ArticleLimits& limits);

}  // namespace qalam

#endif  // QALAM_WORKERS_PIPELINE_ARTICLE_H_
