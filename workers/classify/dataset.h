// Labelled training and evaluation data: JSON Lines records with a text, an
// optional title and a label, and the parser for one record.
//
//   {"id": "...", "title": "...", "text": "...", "label": "sport"}
//
// Field names can be renamed (LabeledFields). A label may be a string or an
// integer (rendered in decimal). Other fields are ignored.
//
// A LabeledRecordParser keeps a JSON parser and buffers reused from one
// record to the next: not thread-safe, one per thread.
#ifndef QALAM_WORKERS_CLASSIFY_DATASET_H_
#define QALAM_WORKERS_CLASSIFY_DATASET_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace qalam {
namespace classify {

struct LabeledFields {
  std::string text = "text";
  std::string title = "title";
  std::string label = "label";
};

// One record. The views stay valid until the next Parse on the parser that
// filled it.
struct LabeledRecord {
  absl::string_view title;  // "" when absent or null
  absl::string_view text;
  absl::string_view label;
};

class LabeledRecordParser {
 public:
  explicit LabeledRecordParser(LabeledFields fields = LabeledFields());
  ~LabeledRecordParser();
  LabeledRecordParser(const LabeledRecordParser&) = delete;
  LabeledRecordParser& operator=(const LabeledRecordParser&) = delete;

  // Parses one JSON record (a line without its line break) into `*out`.
  // Errors, all InvalidArgument, with messages meant to follow "FILE:LINE: ":
  //   "invalid UTF-8 at byte N", "malformed JSON: ...",
  //   "not a JSON object", "no \"text\" field", "\"text\" is not a string",
  //   "empty text", "no \"label\" field", "\"label\" is not a string or an
  //   integer", "empty label", "label longer than 256 bytes",
  //   "\"title\" is not a string".
  absl::Status Parse(absl::string_view line, LabeledRecord* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace classify
}  // namespace qalam

#endif  // QALAM_WORKERS_CLASSIFY_DATASET_H_
