#include "coordinator/merge.h"

#include <stdio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "coordinator/job.h"
#include "coordinator/output_store.h"
#include "coordinator/report.h"

namespace qalam {
namespace {

namespace fs = std::filesystem;

struct Part {
  std::string dir;
  FILE* results = nullptr;
  FILE* errors = nullptr;
  FILE* index = nullptr;
  IndexEntry next;
  bool has_next = false;
  char* buf = nullptr;
  size_t cap = 0;

  ~Part() {
    for (FILE* f : {results, errors, index}) {
      if (f != nullptr) fclose(f);
    }
    free(buf);
  }
  absl::Status Open() {
    const std::pair<FILE**, std::string> files[] = {
        {&results, (fs::path(dir) / "results.jsonl").string()},
        {&errors, (fs::path(dir) / "errors.jsonl").string()},
        {&index, IndexPath(dir)}};
    for (const auto& [f, path] : files) {
      *f = fopen(path.c_str(), "rb");
      if (*f == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot read '", path, "': ", std::strerror(errno)));
      }
    }
    Advance();
    return absl::OkStatus();
  }
  void Advance() { has_next = fread(&next, sizeof(next), 1, index) == 1; }
  // The next line of results or errors, without its line break.
  absl::StatusOr<absl::string_view> Line(bool error) {
    ssize_t n = getline(&buf, &cap, error ? errors : results);
    if (n <= 0) {
      return absl::DataLossError(absl::StrCat("'", dir, "': ", error ? "errors" : "results",
                                              ".jsonl has fewer lines than its index"));
    }
    if (buf[n - 1] == '\n') --n;
    return absl::string_view(buf, static_cast<size_t>(n));
  }
};

}  // namespace

absl::StatusOr<MergeResult> MergeParts(const std::vector<std::string>& parts,
                                       const std::string& output_dir) {
  std::string common;
  int slice_count = -1;
  std::set<int> seen;
  uint64_t positions = 0;
  double seconds = 0;
  for (const std::string& dir : parts) {
    absl::StatusOr<Checkpoint> cp = ReadCheckpoint(dir);
    if (!cp.ok() || !cp->complete) {
      return absl::FailedPreconditionError(
          absl::StrCat("'", dir, "' is not the folder of a completed `qalam run`",
                       cp.ok() ? " (the job is unfinished: finish it with --resume)" : ""));
    }
    positions = std::max(positions, cp->positions);
    seconds = std::max(seconds, cp->seconds);
    QALAM_ASSIGN_OR_RETURN(std::string identity, ReadJobIdentity(dir));
    std::vector<std::string> lines = absl::StrSplit(identity, '\n');
    int index = -1, count = -1;
    for (std::string& line : lines) {
      if (absl::StartsWith(line, "slice ")) {
        QALAM_RETURN_IF_ERROR(ParseSlice(line.substr(6), &index, &count));
        line = "slice 0/1";
      }
    }
    if (index < 0) return absl::FailedPreconditionError(absl::StrCat("'", dir, "': no slice"));
    std::string rest = absl::StrJoin(lines, "\n");
    if (common.empty()) {
      common = rest;
      slice_count = count;
    } else if (rest != common) {
      return absl::FailedPreconditionError(
          absl::StrCat("'", dir, "' is a part of a different job (other inputs or options) than '",
                       parts[0], "'"));
    }
    if (count != slice_count) {
      return absl::FailedPreconditionError(absl::StrCat(
          "'", dir, "' is slice ", index, "/", count, " but '", parts[0], "' is of ", slice_count));
    }
    if (!seen.insert(index).second) {
      return absl::FailedPreconditionError(
          absl::StrCat("slice ", index, "/", count, " is given twice"));
    }
  }
  if (static_cast<int>(seen.size()) != slice_count) {
    std::vector<int> missing;
    for (int i = 0; i < slice_count; ++i) {
      if (!seen.count(i)) missing.push_back(i);
    }
    return absl::FailedPreconditionError(
        absl::StrCat("slices missing: ", absl::StrJoin(missing, ","), " of ", slice_count));
  }

  std::vector<std::unique_ptr<Part>> open;
  for (const std::string& dir : parts) {
    auto p = std::make_unique<Part>();
    p->dir = dir;
    QALAM_RETURN_IF_ERROR(p->Open());
    open.push_back(std::move(p));
  }
  // A fresh folder (merging into a finished one replaces it).
  QALAM_ASSIGN_OR_RETURN(std::unique_ptr<OutputStore> store,
                         OutputStore::Open(output_dir, common, /*resume=*/false));
  for (;;) {
    Part* best = nullptr;
    for (auto& p : open) {
      if (p->has_next && (best == nullptr || p->next.seq < best->next.seq)) best = p.get();
    }
    if (best == nullptr) break;
    const bool error = best->next.kind == IndexEntry::kError;
    QALAM_ASSIGN_OR_RETURN(absl::string_view line, best->Line(error));
    if (error) {
      store->AppendError(line, best->next);
    } else {
      store->AppendResult(line, best->next);
    }
    best->Advance();
  }
  store->SetPositions(positions);
  QALAM_RETURN_IF_ERROR(store->Finish(seconds));
  ReportTiming timing;
  timing.seconds = seconds;
  timing.parts = slice_count;
  MergeResult result;
  const fs::path out = output_dir;
  QALAM_ASSIGN_OR_RETURN(result.report_json, BuildReport((out / "results.jsonl").string(),
                                                         (out / "errors.jsonl").string(),
                                                         IndexPath(output_dir), timing));
  QALAM_RETURN_IF_ERROR(WriteFileAtomically((out / "report.json").string(), result.report_json));
  QALAM_RETURN_IF_ERROR(store->MarkComplete());
  result.processed = store->current().results;
  result.failed = store->current().errors;
  return result;
}

}  // namespace qalam
