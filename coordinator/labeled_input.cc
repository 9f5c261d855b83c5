#include "coordinator/labeled_input.h"

#include <cstdio>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "coordinator/input.h"

namespace qalam {

absl::Status LabelMap::Parse(absl::string_view spec) {
  map_.clear();
  for (absl::string_view entry : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    const size_t eq = entry.find('=');
    const absl::string_view from = absl::StripAsciiWhitespace(entry.substr(0, eq));
    const absl::string_view to =
        eq == absl::string_view::npos ? absl::string_view() : absl::StripAsciiWhitespace(entry.substr(eq + 1));
    if (eq == absl::string_view::npos || from.empty() || to.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--label-map: '", entry, "' is not FROM=TO"));
    }
    if (!map_.try_emplace(std::string(from), std::string(to)).second) {
      return absl::InvalidArgumentError(absl::StrCat("--label-map: '", from, "' mapped twice"));
    }
  }
  return absl::OkStatus();
}

absl::string_view LabelMap::Map(absl::string_view label) const {
  auto it = map_.find(label);
  return it == map_.end() ? label : absl::string_view(it->second);
}

absl::Status ForEachLabeledRecord(
    const std::vector<std::string>& paths, const classify::LabeledFields& fields,
    const char* command,
    const std::function<absl::Status(const classify::LabeledRecord& record,
                                     const std::string& file, uint64_t line)>& fn,
    LabeledReadStats* stats, const LabelMap* labels, int max_reports) {
  auto reader_or = InputReader::Open(paths);
  if (!reader_or.ok()) return reader_or.status();
  std::unique_ptr<InputReader> reader = std::move(reader_or).value();
  classify::LabeledRecordParser parser(fields);
  InputRecord rec;
  std::vector<uint64_t> problems(reader->files().size(), 0);
  auto report = [&](const InputRecord& r, const absl::Status& s) {
    ++stats->skipped;
    if (++problems[r.file_index] <= static_cast<uint64_t>(max_reports)) {
      std::fprintf(stderr, "qalam %s: %s:%llu: %s (record skipped)\n", command,
                   reader->files()[r.file_index].c_str(),
                   static_cast<unsigned long long>(r.line), std::string(s.message()).c_str());
    }
  };
  while (reader->Next(&rec)) {
    if (!rec.error.ok()) {
      report(rec, rec.error);
      continue;
    }
    if (rec.kind != InputRecord::Kind::kJsonLine) {
      report(rec, absl::InvalidArgumentError("a .txt file has no label; use JSON Lines"));
      continue;
    }
    classify::LabeledRecord lr;
    absl::Status s = parser.Parse(rec.text, &lr);
    if (s.ok() && labels != nullptr) lr.label = labels->Map(lr.label);
    if (s.ok()) s = fn(lr, reader->files()[rec.file_index], rec.line);
    if (!s.ok()) {
      report(rec, s);
      continue;
    }
    ++stats->records;
  }
  for (size_t f = 0; f < problems.size(); ++f) {
    if (problems[f] > static_cast<uint64_t>(max_reports)) {
      std::fprintf(stderr, "qalam %s: %s: %llu more records skipped (not listed)\n", command,
                   reader->files()[f].c_str(),
                   static_cast<unsigned long long>(problems[f] - max_reports));
    }
  }
  return absl::OkStatus();
}

}  // namespace qalam
