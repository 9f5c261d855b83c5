#include "coordinator/output_store.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace qalam {
namespace {

namespace fs = std::filesystem;

constexpr char kCheckpointMagic[] = "qalam-checkpoint 1";

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::DataLossError(absl::StrCat(what, " '", path, "': ", std::strerror(errno)));
}

absl::Status WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

absl::Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open folder", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot fsync folder", dir);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no file '", path, "'"));
    return Errno("cannot read", path);
  }
  std::string s;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

std::string FormatCheckpoint(const Checkpoint& c) {
  return absl::StrFormat(
      "%s\npositions %d\nresults %d\nerrors %d\nresults_bytes %d\nerrors_bytes %d\n"
      "index_bytes %d\nseconds %.6f\ncomplete %d\n",
      kCheckpointMagic, c.positions, c.results, c.errors, c.results_bytes, c.errors_bytes,
      c.index_bytes, c.seconds, c.complete ? 1 : 0);
}

}  // namespace

// A data file opened for appending through a buffer.
struct OutputStore::File {
  std::string path;
  int fd = -1;
  std::string buf;
  uint64_t size = 0;  // bytes appended (written or buffered)

  ~File() {
    if (fd >= 0) ::close(fd);
  }
  absl::Status Open(uint64_t truncate_to) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("cannot open", path);
    struct stat st;
    if (::fstat(fd, &st) != 0) return Errno("cannot stat", path);
    if (static_cast<uint64_t>(st.st_size) < truncate_to) {
      return absl::DataLossError(absl::StrCat("'", path, "' has ", st.st_size,
                                              " bytes but the checkpoint says ", truncate_to,
                                              "; the output folder was damaged"));
    }
    if (::ftruncate(fd, static_cast<off_t>(truncate_to)) != 0)
      return Errno("cannot truncate", path);
    if (::lseek(fd, static_cast<off_t>(truncate_to), SEEK_SET) < 0)
      return Errno("cannot seek", path);
    size = truncate_to;
    buf.reserve(kWriteBytes + (64 << 10));
    return absl::OkStatus();
  }
  // Appends to the buffer, written out whenever it holds kWriteBytes:
  // writing a second's output (tens of MB) at each commit instead cost ten
  // times the CPU of the same bytes written in cache-warm pieces. And the
  // pieces are small: a buffer that stays in the core's L2 cache, rather
  // than a MiB that pushes out whatever the worker sharing that core had
  // there (128 KiB instead of 1 MiB here and in the input reader: the
  // coordinator's CPU -8% and the workers' -1% on the 1 GB benchmark, wall
  // time -1.5%, three interleaved pairs of runs). Durability
  // is still only at Commit (fdatasync, then the checkpoint): bytes written
  // after the last checkpoint are truncated away on resume.
  static constexpr size_t kWriteBytes = 128 << 10;
  void Append(const char* p, size_t n) {
    buf.append(p, n);
    size += n;
    if (buf.size() >= kWriteBytes) {
      absl::Status s = FlushBuffer();
      if (!s.ok() && error.ok()) error = s;
    }
  }
  absl::Status FlushBuffer() {
    QALAM_RETURN_IF_ERROR(error);  // a write failed in Append
    if (!buf.empty()) QALAM_RETURN_IF_ERROR(WriteAll(fd, buf.data(), buf.size(), path));
    buf.clear();
    return absl::OkStatus();
  }
  absl::Status error;
  absl::Status Sync() {
    if (::fdatasync(fd) != 0) return Errno("cannot fsync", path);
    return absl::OkStatus();
  }
};

std::string StateDir(const std::string& dir) { return (fs::path(dir) / ".qalam").string(); }
std::string IndexPath(const std::string& dir) {
  return (fs::path(StateDir(dir)) / "index.bin").string();
}
std::string StateResultsPath(const std::string& dir) {
  return (fs::path(StateDir(dir)) / "results.jsonl").string();
}
std::string StateErrorsPath(const std::string& dir) {
  return (fs::path(StateDir(dir)) / "errors.jsonl").string();
}

absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& dir) {
  const std::string path = (fs::path(StateDir(dir)) / "checkpoint").string();
  QALAM_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  if (lines.empty() || lines[0] != kCheckpointMagic) {
    return absl::DataLossError(absl::StrCat("'", path, "' is not a qalam checkpoint"));
  }
  Checkpoint c;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(lines[i], ' ');
    bool ok = true;
    if (kv.first == "positions")
      ok = absl::SimpleAtoi(kv.second, &c.positions);
    else if (kv.first == "results")
      ok = absl::SimpleAtoi(kv.second, &c.results);
    else if (kv.first == "errors")
      ok = absl::SimpleAtoi(kv.second, &c.errors);
    else if (kv.first == "results_bytes")
      ok = absl::SimpleAtoi(kv.second, &c.results_bytes);
    else if (kv.first == "errors_bytes")
      ok = absl::SimpleAtoi(kv.second, &c.errors_bytes);
    else if (kv.first == "index_bytes")
      ok = absl::SimpleAtoi(kv.second, &c.index_bytes);
    else if (kv.first == "seconds")
      ok = absl::SimpleAtod(kv.second, &c.seconds);
    else if (kv.first == "complete")
      c.complete = kv.second == "1";
    if (!ok) return absl::DataLossError(absl::StrCat("'", path, "': bad line '", lines[i], "'"));
  }
  return c;
}

absl::StatusOr<std::string> ReadJobIdentity(const std::string& dir) {
  return ReadSmallFile((fs::path(StateDir(dir)) / "job").string());
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", tmp);
  absl::Status s = WriteAll(fd, contents.data(), contents.size(), tmp);
  if (s.ok() && ::fsync(fd) != 0) s = Errno("cannot fsync", tmp);
  ::close(fd);
  QALAM_RETURN_IF_ERROR(s);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("cannot rename into", path);
  return FsyncDir(fs::path(path).parent_path().string());
}

OutputStore::OutputStore(std::string dir) : dir_(std::move(dir)) {}

OutputStore::~OutputStore() = default;

absl::StatusOr<std::unique_ptr<OutputStore>> OutputStore::Open(const std::string& dir,
                                                               const std::string& identity,
                                                               bool resume) {
  std::error_code ec;
  fs::create_directories(StateDir(dir), ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create output folder '", dir, "': ", ec.message()));
  }
  std::unique_ptr<OutputStore> store(new OutputStore(dir));
  const fs::path state = StateDir(dir);
  const std::string final_results = (fs::path(dir) / "results.jsonl").string();
  const std::string final_errors = (fs::path(dir) / "errors.jsonl").string();
  const std::string state_results = StateResultsPath(dir);
  const std::string state_errors = StateErrorsPath(dir);

  absl::StatusOr<Checkpoint> old = ReadCheckpoint(dir);
  if (!old.ok() && !absl::IsNotFound(old.status())) return old.status();
  absl::StatusOr<std::string> old_identity = ReadJobIdentity(dir);
  const bool have_job = old.ok() && old_identity.ok();

  if (have_job && resume) {
    if (*old_identity != identity) {
      std::vector<absl::string_view> a = absl::StrSplit(*old_identity, '\n');
      std::vector<absl::string_view> b = absl::StrSplit(identity, '\n');
      std::string diff;
      for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
        absl::string_view x = i < a.size() ? a[i] : "";
        absl::string_view y = i < b.size() ? b[i] : "";
        if (x != y) {
          diff = absl::StrCat(" (the folder's job has '", x, "', this one '", y, "')");
          break;
        }
      }
      return absl::FailedPreconditionError(
          absl::StrCat("'", dir, "' holds a different job", diff,
                       "; refusing to resume it. Use another output folder, or run without "
                       "--resume to start over."));
    }
    store->resumed_ = *old;
    // A crash while finishing may have moved some files into place already.
    if (!fs::exists(state_results) && fs::exists(final_results)) {
      fs::rename(final_results, state_results, ec);
    }
    if (!fs::exists(state_errors) && fs::exists(final_errors)) {
      fs::rename(final_errors, state_errors, ec);
    }
  } else {
    if (have_job && !old->complete) {
      return absl::FailedPreconditionError(
          absl::StrCat("'", dir, "' holds an unfinished job (", old->positions,
                       " input records done); pass --resume to finish it, or remove '",
                       state.string(), "' to start over"));
    }
    // A fresh job: nothing of an earlier one may survive.
    for (const std::string& p :
         {final_results, final_errors, (fs::path(dir) / "report.json").string(), state_results,
          state_errors, IndexPath(dir), (state / "checkpoint").string()}) {
      fs::remove(p, ec);
    }
    QALAM_RETURN_IF_ERROR(WriteFileAtomically((state / "job").string(), identity));
  }
  store->cp_ = store->resumed_;
  store->cp_.complete = false;
  store->seconds_before_ = store->resumed_.seconds;
  store->results_ = std::make_unique<File>();
  store->results_->path = state_results;
  store->errors_ = std::make_unique<File>();
  store->errors_->path = state_errors;
  store->index_ = std::make_unique<File>();
  store->index_->path = IndexPath(dir);
  QALAM_RETURN_IF_ERROR(store->results_->Open(store->cp_.results_bytes));
  QALAM_RETURN_IF_ERROR(store->errors_->Open(store->cp_.errors_bytes));
  QALAM_RETURN_IF_ERROR(store->index_->Open(store->cp_.index_bytes));
  if (!have_job || !resume) QALAM_RETURN_IF_ERROR(store->Commit(0));
  return store;
}

void OutputStore::AppendResult(absl::string_view line, const IndexEntry& entry) {
  results_->Append(line.data(), line.size());
  results_->Append("\n", 1);
  index_->Append(reinterpret_cast<const char*>(&entry), sizeof(entry));
  ++cp_.results;
  uncommitted_ += line.size() + 1 + sizeof(entry);
}

void OutputStore::AppendError(absl::string_view line, const IndexEntry& entry) {
  errors_->Append(line.data(), line.size());
  errors_->Append("\n", 1);
  index_->Append(reinterpret_cast<const char*>(&entry), sizeof(entry));
  ++cp_.errors;
  uncommitted_ += line.size() + 1 + sizeof(entry);
}

absl::Status OutputStore::Flush() {
  QALAM_RETURN_IF_ERROR(results_->FlushBuffer());
  QALAM_RETURN_IF_ERROR(errors_->FlushBuffer());
  QALAM_RETURN_IF_ERROR(index_->FlushBuffer());
  return absl::OkStatus();
}

absl::Status OutputStore::Commit(double seconds) {
  QALAM_RETURN_IF_ERROR(Flush());
  QALAM_RETURN_IF_ERROR(results_->Sync());
  QALAM_RETURN_IF_ERROR(errors_->Sync());
  QALAM_RETURN_IF_ERROR(index_->Sync());
  cp_.results_bytes = results_->size;
  cp_.errors_bytes = errors_->size;
  cp_.index_bytes = index_->size;
  cp_.seconds = seconds_before_ + seconds;
  QALAM_RETURN_IF_ERROR(WriteFileAtomically((fs::path(StateDir(dir_)) / "checkpoint").string(),
                                            FormatCheckpoint(cp_)));
  uncommitted_ = 0;
  return absl::OkStatus();
}

absl::Status OutputStore::Finish(double seconds) {
  QALAM_RETURN_IF_ERROR(Commit(seconds));
  const fs::path state = StateDir(dir_);
  for (const char* name : {"results.jsonl", "errors.jsonl"}) {
    const std::string from = (state / name).string();
    const std::string to = (fs::path(dir_) / name).string();
    if (::rename(from.c_str(), to.c_str()) != 0) return Errno("cannot rename into", to);
  }
  return FsyncDir(dir_);
}

absl::Status OutputStore::MarkComplete() {
  cp_.complete = true;
  return WriteFileAtomically((fs::path(StateDir(dir_)) / "checkpoint").string(),
                             FormatCheckpoint(cp_));
}

}  // namespace qalam
