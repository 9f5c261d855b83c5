#include "coordinator/input.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace qalam {
namespace {

namespace fs = std::filesystem;

// A stream of bytes from one input.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes; 0 at the end; an error when the data is damaged.
  virtual absl::StatusOr<size_t> Read(char* buf, size_t n) = 0;
  // Raw bytes consumed from the file so far.
  virtual uint64_t consumed() const = 0;
};

class FdSource : public ByteSource {
 public:
  FdSource(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdSource() override {
    if (owned_) ::close(fd_);
  }
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) {
        consumed_ += static_cast<uint64_t>(r);
        return static_cast<size_t>(r);
      }
      if (errno == EINTR) continue;
      return absl::DataLossError(absl::StrCat("read error: ", std::strerror(errno)));
    }
  }
  uint64_t consumed() const override { return consumed_; }

 private:
  int fd_;
  bool owned_;
  uint64_t consumed_ = 0;
};

// gzip (also concatenated members) through zlib's inflate, so that a
// truncated stream is reported rather than silently cut.
class GzipSource : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<ByteSource> raw) : raw_(std::move(raw)), in_(1 << 16) {
    std::memset(&zs_, 0, sizeof(zs_));
    ok_ = inflateInit2(&zs_, 15 + 32) == Z_OK;  // gzip or zlib header
  }
  ~GzipSource() override { inflateEnd(&zs_); }

  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    if (!ok_) return absl::DataLossError("gzip: cannot initialise zlib");
    if (done_) return 0;
    zs_.next_out = reinterpret_cast<Bytef*>(buf);
    zs_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    while (zs_.avail_out > 0) {
      if (zs_.avail_in == 0) {
        absl::StatusOr<size_t> r = raw_->Read(in_.data(), in_.size());
        if (!r.ok()) return r.status();
        if (*r == 0) {
          if (in_member_) {
            return absl::DataLossError("truncated gzip stream (unexpected end of file)");
          }
          done_ = true;
          break;
        }
        zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
        zs_.avail_in = static_cast<uInt>(*r);
      }
      in_member_ = true;
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        inflateReset(&zs_);  // another member may follow
        continue;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return absl::DataLossError(absl::StrCat("corrupt gzip stream: ",
                                                zs_.msg ? zs_.msg : "inflate failed"));
      }
    }
    return n - zs_.avail_out;
  }
  uint64_t consumed() const override { return raw_->consumed(); }

 private:
  std::unique_ptr<ByteSource> raw_;
  std::vector<char> in_;
  z_stream zs_;
  bool ok_ = false;
  bool done_ = false;
  bool in_member_ = false;
};

class ZstdSource : public ByteSource {
 public:
  explicit ZstdSource(std::unique_ptr<ByteSource> raw)
      : raw_(std::move(raw)), in_(ZSTD_DStreamInSize()), ds_(ZSTD_createDStream()) {
    if (ds_ != nullptr) ZSTD_initDStream(ds_);
  }
  ~ZstdSource() override { ZSTD_freeDStream(ds_); }

  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    if (ds_ == nullptr) return absl::DataLossError("zstd: cannot create a decoder");
    ZSTD_outBuffer out{buf, n, 0};
    while (out.pos == 0) {
      if (input_.pos == input_.size) {
        absl::StatusOr<size_t> r = raw_->Read(in_.data(), in_.size());
        if (!r.ok()) return r.status();
        if (*r == 0) {
          if (last_ret_ != 0) {
            return absl::DataLossError("truncated zstd stream (unexpected end of file)");
          }
          return 0;
        }
        input_ = ZSTD_inBuffer{in_.data(), *r, 0};
      }
      size_t ret = ZSTD_decompressStream(ds_, &out, &input_);
      if (ZSTD_isError(ret)) {
        return absl::DataLossError(absl::StrCat("corrupt zstd stream: ", ZSTD_getErrorName(ret)));
      }
      last_ret_ = ret;
    }
    return out.pos;
  }
  uint64_t consumed() const override { return raw_->consumed(); }

 private:
  std::unique_ptr<ByteSource> raw_;
  std::vector<char> in_;
  ZSTD_DStream* ds_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  size_t last_ret_ = 0;
};

struct InputSpec {
  std::string path;     // "" for stdin
  std::string display;  // for errors.jsonl
  bool text_file = false;
  std::string id;       // text files: the id
};

class InputReaderImpl : public InputReader {
 public:
  InputReaderImpl(std::vector<InputSpec> specs, InputOptions options, uint64_t total)
      // 128 KiB: see OutputStore's kWriteBytes on buffers that fit in L2.
      : specs_(std::move(specs)), options_(options), total_(total), buf_(128u << 10) {
    for (const InputSpec& s : specs_) files_.push_back(s.display);
  }

  bool Next(InputRecord* rec) override {
    for (;;) {
      if (source_ == nullptr) {
        if (next_spec_ >= specs_.size()) return false;
        if (OpenNext(rec)) return true;  // an error record for this input
        continue;
      }
      const InputSpec& spec = specs_[current_];
      if (spec.text_file) {
        ReadWholeFile(rec);
        CloseCurrent();
        return true;
      }
      if (ReadLine(rec)) return true;
      CloseCurrent();
    }
  }

  const std::vector<std::string>& files() const override { return files_; }
  uint64_t bytes_read() const override {
    return finished_bytes_ + (source_ ? source_->consumed() : 0);
  }
  uint64_t bytes_total() const override { return total_; }

 private:
  // Opens the next input. Returns true (with an error record) if it fails.
  bool OpenNext(InputRecord* rec) {
    current_ = next_spec_++;
    const InputSpec& spec = specs_[current_];
    line_ = 0;
    pos_ = len_ = 0;
    eof_ = false;
    first_chunk_ = true;
    int fd = STDIN_FILENO;
    bool owned = false;
    if (!spec.path.empty()) {
      fd = ::open(spec.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        SetError(rec, 0, absl::NotFoundError(absl::StrCat("cannot open: ", std::strerror(errno))));
        return true;
      }
      owned = true;
    }
    std::unique_ptr<ByteSource> src = std::make_unique<FdSource>(fd, owned);
    if (absl::EndsWith(spec.path, ".gz")) {
      src = std::make_unique<GzipSource>(std::move(src));
    } else if (absl::EndsWith(spec.path, ".zst") || absl::EndsWith(spec.path, ".zstd")) {
      src = std::make_unique<ZstdSource>(std::move(src));
    }
    source_ = std::move(src);
    return false;
  }

  void CloseCurrent() {
    if (source_ != nullptr) finished_bytes_ += source_->consumed();
    source_.reset();
  }

  void SetError(InputRecord* rec, uint64_t line, absl::Status status) {
    rec->kind = specs_[current_].text_file ? InputRecord::Kind::kTextFile
                                           : InputRecord::Kind::kJsonLine;
    rec->data.clear();
    rec->text = absl::string_view();
    rec->file_index = static_cast<uint32_t>(current_);
    rec->line = line;
    rec->id = specs_[current_].id;
    rec->error = std::move(status);
  }

  // Makes `*rec` the current input's line line_, whose bytes are `text`
  // (in buf_ or in rec->data).
  void SetLine(InputRecord* rec, absl::string_view text) {
    rec->text = text;
    rec->kind = InputRecord::Kind::kJsonLine;
    rec->file_index = static_cast<uint32_t>(current_);
    rec->line = line_;
    rec->id.clear();
    rec->error = absl::OkStatus();
  }

  // Refills buf_ from the source. Returns false at the end of the input or
  // on an error (then `*err` is set).
  bool Fill(absl::Status* err) {
    if (eof_) return false;
    if (pos_ > 0 && pos_ < len_) {
      std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
    }
    len_ -= pos_;
    pos_ = 0;
    absl::StatusOr<size_t> r = source_->Read(buf_.data() + len_, buf_.size() - len_);
    if (!r.ok()) {
      *err = r.status();
      eof_ = true;
      return false;
    }
    if (*r == 0) {
      eof_ = true;
      return false;
    }
    len_ += *r;
    if (first_chunk_) {
      first_chunk_ = false;
      // A UTF-8 byte order mark at the start of a file is not text.
      if (len_ >= 3 && std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
    }
    return true;
  }

  // Reads the next non-blank line of the current JSONL input. Returns false
  // at its end.
  bool ReadLine(InputRecord* rec) {
    for (;;) {
      // The usual case: the whole line is in the buffer. The record is a
      // view of it, not a copy.
      if (pos_ < len_) {
        const char* start = buf_.data() + pos_;
        const char* nl = static_cast<const char*>(std::memchr(start, '\n', len_ - pos_));
        if (nl != nullptr && static_cast<size_t>(nl - start) <= options_.max_record_bytes) {
          size_t n = static_cast<size_t>(nl - start);
          pos_ += n + 1;
          ++line_;
          if (n > 0 && start[n - 1] == '\r') --n;
          const absl::string_view line(start, n);
          if (IsBlank(line)) continue;
          rec->data.clear();
          SetLine(rec, line);
          return true;
        }
      }
      rec->data.clear();
      bool oversized = false;
      uint64_t seen = 0;
      absl::Status err;
      bool got_any = false;
      for (;;) {
        if (pos_ >= len_ && !Fill(&err)) break;
        got_any = true;
        const char* start = buf_.data() + pos_;
        const char* nl = static_cast<const char*>(std::memchr(start, '\n', len_ - pos_));
        size_t take = nl ? static_cast<size_t>(nl - start) : len_ - pos_;
        seen += take;
        if (!oversized && rec->data.size() + take <= options_.max_record_bytes) {
          rec->data.append(start, take);
        } else if (!oversized) {
          oversized = true;
          rec->data.clear();
          rec->data.shrink_to_fit();
        }
        pos_ += take;
        if (nl != nullptr) {
          ++pos_;
          got_any = true;
          goto line_done;
        }
      }
      // End of input (or an error) without a final line break.
      if (!err.ok()) {
        ++line_;
        SetError(rec, line_, absl::Status(err.code(), absl::StrCat(err.message(), " after line ",
                                                                   line_ - 1)));
        return true;
      }
      if (!got_any || (rec->data.empty() && !oversized)) return false;
    line_done:
      ++line_;
      if (oversized) {
        SetError(rec, line_, absl::InvalidArgumentError(absl::StrCat(
                                 "record of ", seen, " bytes exceeds the limit of ",
                                 options_.max_record_bytes, " bytes")));
        return true;
      }
      if (!rec->data.empty() && rec->data.back() == '\r') rec->data.pop_back();
      if (IsBlank(rec->data)) continue;
      SetLine(rec, rec->data);
      return true;
    }
  }

  void ReadWholeFile(InputRecord* rec) {
    rec->data.clear();
    absl::Status err;
    bool oversized = false;
    uint64_t seen = 0;
    while (pos_ < len_ || Fill(&err)) {
      size_t take = len_ - pos_;
      seen += take;
      if (!oversized && rec->data.size() + take <= options_.max_record_bytes) {
        rec->data.append(buf_.data() + pos_, take);
      } else {
        oversized = true;
      }
      pos_ = len_;
    }
    if (!err.ok()) {
      SetError(rec, 1, err);
      return;
    }
    if (oversized) {
      SetError(rec, 1, absl::InvalidArgumentError(absl::StrCat(
                           "file of ", seen, " bytes exceeds the limit of ",
                           options_.max_record_bytes, " bytes")));
      return;
    }
    rec->text = rec->data;
    rec->kind = InputRecord::Kind::kTextFile;
    rec->file_index = static_cast<uint32_t>(current_);
    rec->line = 1;
    rec->id = specs_[current_].id;
    rec->error = absl::OkStatus();
  }

  static bool IsBlank(absl::string_view s) {
    for (char c : s) {
      if (c != ' ' && c != '\t' && c != '\r') return false;
    }
    return true;
  }

  std::vector<InputSpec> specs_;
  std::vector<std::string> files_;
  InputOptions options_;
  uint64_t total_;
  size_t next_spec_ = 0;
  size_t current_ = 0;
  std::unique_ptr<ByteSource> source_;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
  bool first_chunk_ = true;
  uint64_t line_ = 0;
  uint64_t finished_bytes_ = 0;
};

std::string StripTxt(const std::string& name) {
  if (absl::EndsWith(name, ".txt")) return name.substr(0, name.size() - 4);
  return name;
}

}  // namespace

absl::StatusOr<std::unique_ptr<InputReader>> InputReader::Open(
    const std::vector<std::string>& inputs, const InputOptions& options) {
  if (inputs.empty()) return absl::InvalidArgumentError("no input given");
  std::vector<InputSpec> specs;
  uint64_t total = 0;
  bool stdin_used = false;
  for (const std::string& in : inputs) {
    if (in == "-") {
      if (stdin_used) return absl::InvalidArgumentError("stdin ('-') given twice");
      stdin_used = true;
      specs.push_back(InputSpec{"", "<stdin>", false, ""});
      continue;
    }
    std::error_code ec;
    fs::file_status st = fs::status(in, ec);
    if (ec || !fs::exists(st)) {
      return absl::NotFoundError(absl::StrCat("input '", in, "' does not exist"));
    }
    if (fs::is_directory(st)) {
      std::vector<std::string> files;
      for (fs::recursive_directory_iterator it(in, fs::directory_options::skip_permission_denied, ec), e;
           !ec && it != e; it.increment(ec)) {
        if (it->is_regular_file(ec) && absl::EndsWith(it->path().filename().string(), ".txt")) {
          files.push_back(it->path().string());
        }
      }
      if (ec) {
        return absl::InvalidArgumentError(absl::StrCat("cannot list '", in, "': ", ec.message()));
      }
      std::sort(files.begin(), files.end());
      for (const std::string& f : files) {
        std::string rel = fs::path(f).lexically_relative(in).string();
        specs.push_back(InputSpec{f, f, true, StripTxt(rel)});
        total += static_cast<uint64_t>(fs::file_size(f, ec));
      }
      continue;
    }
    if (::access(in.c_str(), R_OK) != 0) {
      return absl::PermissionDeniedError(absl::StrCat("input '", in, "' is not readable"));
    }
    bool text_file = absl::EndsWith(in, ".txt");
    specs.push_back(InputSpec{in, in, text_file,
                              text_file ? StripTxt(fs::path(in).filename().string()) : ""});
    if (fs::is_regular_file(st)) total += static_cast<uint64_t>(fs::file_size(in, ec));
  }
  return std::unique_ptr<InputReader>(new InputReaderImpl(std::move(specs), options, total));
}

}  // namespace qalam
