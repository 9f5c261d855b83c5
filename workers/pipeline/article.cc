#include "workers/pipeline/article.h"

#include <simdjson.h>

#include "absl/strings/str_cat.h"
#include "workers/text/utf8.h"

namespace qalam {

struct ArticleParser::Impl {
  ArticleFields fields;
  ArticleLimits limits;
  simdjson::dom::parser parser;
  std::string repaired;  // the record with invalid UTF-8 replaced
  std::string id;        // "line-N" or a number rendered as text
};

ArticleParser::ArticleParser(ArticleFields fields, ArticleLimits limits)
    : impl_(std::make_unique<Impl>()) {
  impl_->fields = std::move(fields);
  impl_->limits = limits;
}

ArticleParser::~ArticleParser() = default;

namespace {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

bool IsBlank(absl::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

// Size and emptiness; UTF-8 is checked separately (once).
absl::Status CheckTextShape(absl::string_view text, const ArticleLimits& limits) {
  if (text.size() > limits.max_text_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("text of ", text.size(),
                                                   " bytes exceeds the limit of ",
                                                   limits.max_text_bytes));
  }
  if (IsBlank(text)) return absl::InvalidArgumentError("empty text");
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateArticleText(absl::string_view text, const ArticleLimits& limits) {
  size_t bad = text::FindInvalidUtf8(text);
  if (bad != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("invalid UTF-8 at byte ", bad));
  }
  return CheckTextShape(text, limits);
}

absl::Status ArticleParser::Parse(absl::string_view line, uint64_t line_no,
                                  ArticleView* out, std::string* id_out) {
  Impl& s = *impl_;
  *out = ArticleView();
  if (id_out != nullptr) id_out->clear();
  // simdjson validates UTF-8 as it parses, so the record is scanned once.
  // Only when it finds invalid bytes do we locate them (JSON escapes are
  // ASCII, so offsets in the record are exact) or replace them and retry.
  simdjson::dom::element doc;
  simdjson::error_code err = s.parser.parse(line.data(), line.size()).get(doc);
  if (err == simdjson::UTF8_ERROR) {
    size_t bad = text::FindInvalidUtf8(line);
    if (!s.limits.replace_invalid_utf8) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid UTF-8 at byte ", bad, " of the record"));
    }
    text::ReplaceInvalidUtf8(line, &s.repaired);
    line = s.repaired;
    err = s.parser.parse(line.data(), line.size()).get(doc);
  }
  if (err) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON: ", simdjson::error_message(err)));
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) {
    return absl::InvalidArgumentError("record is not a JSON object");
  }

  // id: a string or an integer; missing or null -> line-N.
  simdjson::dom::element id_el;
  if (!obj.at_key(s.fields.id).get(id_el) && !id_el.is_null()) {
    std::string_view sv;
    int64_t i;
    uint64_t u;
    if (!id_el.get_string().get(sv)) {
      out->id = ToAbsl(sv);
    } else if (!id_el.get_int64().get(i)) {
      s.id = absl::StrCat(i);
      out->id = s.id;
    } else if (!id_el.get_uint64().get(u)) {
      s.id = absl::StrCat(u);
      out->id = s.id;
    } else {
      s.id = absl::StrCat("line-", line_no);
      if (id_out != nullptr) *id_out = s.id;
      return absl::InvalidArgumentError(
          absl::StrCat("\"", s.fields.id, "\" is not a string or an integer"));
    }
  } else {
    s.id = absl::StrCat("line-", line_no);
    out->id = s.id;
  }
  if (id_out != nullptr) *id_out = std::string(out->id);

  simdjson::dom::element text_el;
  if (obj.at_key(s.fields.text).get(text_el)) {
    return absl::InvalidArgumentError(absl::StrCat("no \"", s.fields.text, "\" field"));
  }
  std::string_view text;
  if (text_el.get_string().get(text)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", s.fields.text, "\" is not a string"));
  }
  out->text = ToAbsl(text);

  for (auto [name, dst] : {std::pair<const std::string*, absl::string_view*>{&s.fields.title, &out->title},
                           std::pair<const std::string*, absl::string_view*>{&s.fields.lang, &out->lang_hint}}) {
    simdjson::dom::element el;
    if (obj.at_key(*name).get(el) || el.is_null()) continue;
    std::string_view sv;
    if (el.get_string().get(sv)) {
      return absl::InvalidArgumentError(absl::StrCat("\"", *name, "\" is not a string"));
    }
    *dst = ToAbsl(sv);
  }
  return CheckTextShape(out->text, s.limits);
}

}  // namespace qalam
