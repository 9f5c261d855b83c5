#include "workers/summarize/model_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "common/status_macros.h"

namespace qalam {
namespace summarize {
namespace {

constexpr char kMagic[8] = {'Q', 'A', 'L', 'A', 'M', 'M', 'D', 'L'};

uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

void PutName(std::string* out, absl::string_view name) {
  char buf[kMaxSectionName] = {};
  std::memcpy(buf, name.data(), name.size() < kMaxSectionName ? name.size() : kMaxSectionName);
  out->append(buf, kMaxSectionName);
}

std::string GetName(const char* p) {
  size_t n = 0;
  while (n < kMaxSectionName && p[n] != '\0') ++n;
  return std::string(p, n);
}

absl::Status ErrnoStatus(const std::string& what, const std::string& path) {
  const int e = errno;
  std::string msg = absl::StrCat(what, " '", path, "': ", std::strerror(e));
  if (e == ENOENT) return absl::NotFoundError(msg);
  if (e == EACCES || e == EPERM) return absl::PermissionDeniedError(msg);
  return absl::InternalError(msg);
}

}  // namespace

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void PutF64(std::string* out, double v) {
  uint64_t bits;
  static_assert(sizeof(bits) == sizeof(v), "IEEE double expected");
  std::memcpy(&bits, &v, sizeof(v));
  PutU64(out, bits);
}

void ModelFileWriter::AddSection(absl::string_view name, std::string data) {
  sections_.emplace_back(std::string(name), std::move(data));
}

std::string ModelFileWriter::Serialize() const {
  const size_t table_bytes = sections_.size() * (kMaxSectionName + 16);
  size_t offset = kModelHeaderBytes + table_bytes;
  std::string table;
  std::vector<size_t> offsets;
  for (const auto& s : sections_) {
    offset = (offset + 7) & ~size_t{7};
    offsets.push_back(offset);
    PutName(&table, s.first);
    PutU64(&table, offset);
    PutU64(&table, s.second.size());
    offset += s.second.size();
  }
  const size_t file_size = offset;
  std::string body = table;
  for (size_t i = 0; i < sections_.size(); ++i) {
    body.resize(offsets[i] - kModelHeaderBytes, '\0');
    body.append(sections_[i].second);
  }
  std::string out;
  out.reserve(file_size);
  out.append(kMagic, sizeof(kMagic));
  PutU32(&out, kModelFormatVersion);
  PutU32(&out, static_cast<uint32_t>(sections_.size()));
  PutU64(&out, file_size);
  PutU64(&out, Hash64(body.data(), body.size(), kModelChecksumSeed));
  PutName(&out, kind_);
  out.append(16, '\0');
  out.append(body);
  return out;
}

absl::Status ModelFileWriter::WriteToFile(const std::string& path) const {
  const std::string bytes = Serialize();
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return ErrnoStatus("cannot create", tmp);
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat("cannot write '", tmp, "' (disk full?)"));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("cannot rename to", path);
  return absl::OkStatus();
}

absl::StatusOr<ModelFileReader> ModelFileReader::Parse(std::string bytes, absl::string_view what,
                                                       absl::string_view kind) {
  const std::string w(what);
  if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(w, ": not a qalam model file"));
  }
  if (bytes.size() < kModelHeaderBytes) {
    return absl::DataLossError(absl::StrCat(w, ": truncated: ", bytes.size(),
                                            " bytes, shorter than the ", kModelHeaderBytes,
                                            "-byte header"));
  }
  const char* h = bytes.data();
  const uint32_t version = GetU32(h + 8);
  const uint32_t count = GetU32(h + 12);
  const uint64_t file_size = GetU64(h + 16);
  const uint64_t checksum = GetU64(h + 24);
  const std::string file_kind = GetName(h + 32);
  if (version != kModelFormatVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        w, ": has format version ", version, "; this build reads version ", kModelFormatVersion));
  }
  if (file_kind != kind) {
    return absl::InvalidArgumentError(
        absl::StrCat(w, ": is a '", file_kind, "' model, expected '", kind, "'"));
  }
  if (bytes.size() < file_size) {
    return absl::DataLossError(
        absl::StrCat(w, ": truncated: ", bytes.size(), " bytes, the header says ", file_size));
  }
  if (bytes.size() > file_size) {
    return absl::DataLossError(absl::StrCat(w, ": ", bytes.size() - file_size,
                                            " unexpected bytes after the end of the model"));
  }
  if (Hash64(h + kModelHeaderBytes, bytes.size() - kModelHeaderBytes, kModelChecksumSeed) !=
      checksum) {
    return absl::DataLossError(absl::StrCat(w, ": checksum mismatch: the file is corrupted"));
  }
  ModelFileReader r;
  const uint64_t table_end = kModelHeaderBytes + uint64_t{count} * (kMaxSectionName + 16);
  if (table_end > file_size) {
    return absl::DataLossError(absl::StrCat(w, ": the section table lies outside the file"));
  }
  for (uint32_t i = 0; i < count; ++i) {
    const char* e = h + kModelHeaderBytes + i * (kMaxSectionName + 16);
    std::string name = GetName(e);
    const uint64_t off = GetU64(e + kMaxSectionName);
    const uint64_t size = GetU64(e + kMaxSectionName + 8);
    if (off < table_end || off > file_size || size > file_size - off) {
      return absl::DataLossError(absl::StrCat(w, ": section '", name, "' lies outside the file"));
    }
    r.sections_.emplace_back(std::move(name), std::make_pair(off, size));
  }
  r.bytes_ = std::move(bytes);
  r.what_ = w;
  return r;
}

absl::StatusOr<ModelFileReader> ModelFileReader::ReadFile(const std::string& path,
                                                          absl::string_view kind) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return ErrnoStatus("cannot open model", path);
  std::string bytes;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    const long n = std::ftell(f);
    if (n > 0) bytes.reserve(static_cast<size_t>(n));
    std::fseek(f, 0, SEEK_SET);
  }
  char buf[1 << 16];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof(buf), f)) > 0) bytes.append(buf, got);
  const bool err = std::ferror(f) != 0;
  std::fclose(f);
  if (err) return absl::InternalError(absl::StrCat("cannot read model '", path, "'"));
  return Parse(std::move(bytes), path, kind);
}

absl::StatusOr<absl::string_view> ModelFileReader::Section(absl::string_view name) const {
  for (const auto& s : sections_) {
    if (s.first == name) {
      return absl::string_view(bytes_.data() + s.second.first, s.second.second);
    }
  }
  return absl::NotFoundError(absl::StrCat(what_, ": no section '", name, "'"));
}

bool ModelFileReader::HasSection(absl::string_view name) const {
  for (const auto& s : sections_) {
    if (s.first == name) return true;
  }
  return false;
}

absl::Status SectionReader::Need(size_t n) const {
  if (data_.size() - pos_ < n) {
    return absl::DataLossError(absl::StrCat(what_, ": ends early (", n, " more bytes needed at ",
                                            pos_, " of ", data_.size(), ")"));
  }
  return absl::OkStatus();
}

absl::Status SectionReader::U32(uint32_t* v) {
  QALAM_RETURN_IF_ERROR(Need(4));
  *v = GetU32(data_.data() + pos_);
  pos_ += 4;
  return absl::OkStatus();
}

absl::Status SectionReader::U64(uint64_t* v) {
  QALAM_RETURN_IF_ERROR(Need(8));
  *v = GetU64(data_.data() + pos_);
  pos_ += 8;
  return absl::OkStatus();
}

absl::Status SectionReader::F64(double* v) {
  uint64_t bits;
  QALAM_RETURN_IF_ERROR(U64(&bits));
  std::memcpy(v, &bits, sizeof(*v));
  return absl::OkStatus();
}

absl::Status SectionReader::Bytes(size_t n, absl::string_view* v) {
  QALAM_RETURN_IF_ERROR(Need(n));
  *v = data_.substr(pos_, n);
  pos_ += n;
  return absl::OkStatus();
}

absl::Status SectionReader::ExpectEnd() const {
  if (pos_ != data_.size()) {
    return absl::DataLossError(
        absl::StrCat(what_, ": ", data_.size() - pos_, " unexpected bytes at the end"));
  }
  return absl::OkStatus();
}

}  // namespace summarize
}  // namespace qalam
