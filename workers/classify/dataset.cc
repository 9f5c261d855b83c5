#include "workers/classify/dataset.h"

#include <simdjson.h>

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "workers/classify/topic_model.h"
#include "workers/text/utf8.h"

namespace qalam {
namespace classify {

struct LabeledRecordParser::Impl {
  LabeledFields fields;
  simdjson::dom::parser parser;
  std::string label;  // an integer label rendered as text
};

LabeledRecordParser::LabeledRecordParser(LabeledFields fields) : impl_(std::make_unique<Impl>()) {
  impl_->fields = std::move(fields);
}

LabeledRecordParser::~LabeledRecordParser() = default;

namespace {

inline absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsBlank(absl::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

}  // namespace

absl::Status LabeledRecordParser::Parse(absl::string_view line, LabeledRecord* out) {
  Impl& s = *impl_;
  *out = LabeledRecord();
  simdjson::dom::element doc;
  simdjson::error_code err = s.parser.parse(line.data(), line.size()).get(doc);
  if (err == simdjson::UTF8_ERROR) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid UTF-8 at byte ", text::FindInvalidUtf8(line)));
  }
  if (err) {
    return absl::InvalidArgumentError(absl::StrCat("malformed JSON: ", simdjson::error_message(err)));
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) return absl::InvalidArgumentError("not a JSON object");

  simdjson::dom::element el;
  if (obj.at_key(s.fields.text).get(el) || el.is_null()) {
    return absl::InvalidArgumentError(absl::StrCat("no \"", s.fields.text, "\" field"));
  }
  std::string_view sv;
  if (el.get_string().get(sv)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", s.fields.text, "\" is not a string"));
  }
  out->text = ToAbsl(sv);
  if (IsBlank(out->text)) return absl::InvalidArgumentError("empty text");

  if (obj.at_key(s.fields.label).get(el) || el.is_null()) {
    return absl::InvalidArgumentError(absl::StrCat("no \"", s.fields.label, "\" field"));
  }
  int64_t i;
  if (!el.get_string().get(sv)) {
    out->label = ToAbsl(sv);
  } else if (!el.get_int64().get(i)) {
    s.label = absl::StrCat(i);
    out->label = s.label;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", s.fields.label, "\" is not a string or an integer"));
  }
  if (IsBlank(out->label)) return absl::InvalidArgumentError("empty label");
  if (out->label.size() > kMaxLabelBytes) {
    return absl::InvalidArgumentError(absl::StrCat("label longer than ", kMaxLabelBytes, " bytes"));
  }

  if (!obj.at_key(s.fields.title).get(el) && !el.is_null()) {
    if (el.get_string().get(sv)) {
      return absl::InvalidArgumentError(absl::StrCat("\"", s.fields.title, "\" is not a string"));
    }
    out->title = ToAbsl(sv);
  }
  return absl::OkStatus();
}

}  // namespace classify
}  // namespace qalam
