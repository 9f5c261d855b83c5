#include "coordinator/labeled_input.h"

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "coordinator/input.h"

namespace qalam {

absl::Status ForEachLabeledRecord(
    const std::vector<std::string>& paths, const classify::LabeledFields& fields,
    const char* command,
    const std::function<absl::Status(const classify::LabeledRecord& record,
                                     const std::string& file, uint64_t line)>& fn,
    LabeledReadStats* stats, int max_reports) {
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
    absl::Status s = parser.Parse(rec.data, &lr);
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
