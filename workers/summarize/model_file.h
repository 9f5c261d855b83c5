// The container format of qalam's summariser model files: a fixed header,
// a table of named sections and the sections themselves, checksummed, so a
// file says what it is and a truncated or corrupted file is refused before
// anything in it is used.
//
// Layout (all integers little-endian):
//   offset 0   char[8]   magic "QALAMMDL"
//          8   u32       format version (kModelFormatVersion)
//         12   u32       number of sections S
//         16   u64       file size in bytes
//         24   u64       checksum: Hash64(bytes [64, file size), seed
//                        kModelChecksumSeed) (common/hash.h)
//         32   char[16]  kind, NUL-padded ("summarize")
//         48   char[16]  reserved, zero
//         64   S x {char[16] name, u64 offset, u64 size}  section table
//              then the sections, each starting at a multiple of 8.
//
// ModelFileWriter and ModelFileReader are plain values without shared
// state; a const ModelFileReader may be read from several threads.
#ifndef QALAM_WORKERS_SUMMARIZE_MODEL_FILE_H_
#define QALAM_WORKERS_SUMMARIZE_MODEL_FILE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qalam {
namespace summarize {

inline constexpr uint32_t kModelFormatVersion = 1;
inline constexpr uint64_t kModelChecksumSeed = 0x5153554D4D415259ULL;  // "QSUMMARY"
inline constexpr size_t kModelHeaderBytes = 64;
inline constexpr size_t kMaxSectionName = 16;

// Collects sections and serialises them into one file image.
class ModelFileWriter {
 public:
  // REQUIRES: kind.size() <= 16.
  explicit ModelFileWriter(std::string kind) : kind_(std::move(kind)) {}

  // Adds a section. REQUIRES: 1 <= name.size() <= 16, names distinct.
  void AddSection(absl::string_view name, std::string data);

  // The complete file image.
  std::string Serialize() const;

  // Writes Serialize() to `path` (through a temporary file renamed into
  // place, so readers never see a half-written model). Errors: the
  // filesystem's, as InternalError/NotFound/PermissionDenied with the path.
  absl::Status WriteToFile(const std::string& path) const;

 private:
  std::string kind_;
  std::vector<std::pair<std::string, std::string>> sections_;
};

// Validates a file image and gives access to its sections.
class ModelFileReader {
 public:
  // Parses and checks `bytes` (the whole file). `what` names the file in
  // error messages (its path). `kind` is the expected kind.
  // Errors:
  //   InvalidArgument "<what>: not a qalam model file" (bad magic),
  //     ".. is a '<k>' model, expected '<kind>'",
  //     ".. has format version N; this build reads version 1";
  //   DataLoss "<what>: truncated: N bytes, the header says M",
  //     ".. checksum mismatch: the file is corrupted",
  //     ".. section '<s>' lies outside the file" (and other structure errors).
  static absl::StatusOr<ModelFileReader> Parse(std::string bytes, absl::string_view what,
                                               absl::string_view kind);

  // Reads the file at `path` and parses it. NotFound when it cannot be
  // opened; otherwise as Parse.
  static absl::StatusOr<ModelFileReader> ReadFile(const std::string& path, absl::string_view kind);

  // The bytes of section `name`; the view lives as long as this reader.
  // NotFound "<what>: no section '<name>'" when absent.
  absl::StatusOr<absl::string_view> Section(absl::string_view name) const;
  bool HasSection(absl::string_view name) const;

  const std::string& what() const { return what_; }
  size_t size() const { return bytes_.size(); }

 private:
  ModelFileReader() = default;
  std::string bytes_;
  std::string what_;
  std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> sections_;
};

// Little-endian encoding helpers for section payloads.
void PutU32(std::string* out, uint32_t v);
void PutU64(std::string* out, uint64_t v);
void PutF64(std::string* out, double v);

// Reads fixed-size values from a section, failing (DataLoss, naming `what`)
// instead of reading past its end.
class SectionReader {
 public:
  SectionReader(absl::string_view data, std::string what) : data_(data), what_(std::move(what)) {}
  absl::Status U32(uint32_t* v);
  absl::Status U64(uint64_t* v);
  absl::Status F64(double* v);
  // A view of the next `n` bytes.
  absl::Status Bytes(size_t n, absl::string_view* v);
  size_t remaining() const { return data_.size() - pos_; }
  absl::Status ExpectEnd() const;

 private:
  absl::Status Need(size_t n) const;
  absl::string_view data_;
  size_t pos_ = 0;
  std::string what_;
};

}  // namespace summarize
}  // namespace qalam

#endif  // QALAM_WORKERS_SUMMARIZE_MODEL_FILE_H_
