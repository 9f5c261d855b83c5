// Streaming readers for qalam's inputs: JSON Lines (plain, .gz, .zst),
// folders of .txt files (one article a file), single .txt files, and stdin
// ("-"). Memory is bounded by the largest accepted record plus a fixed
// buffer, whatever the size of the corpus.
//
// Bad data never stops the reader: an oversized line, an unreadable file or a
// truncated compressed stream becomes an InputRecord whose `error` says what
// and where, and reading goes on with the next line or input.
//
// An InputReader is not thread-safe; one thread reads.
#ifndef QALAM_COORDINATOR_INPUT_H_
#define QALAM_COORDINATOR_INPUT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qalam {

struct InputOptions {
  // Lines longer than this become error records (their bytes are skipped,
  // never buffered). 32 MiB: twice the default article limit, for escapes.
  size_t max_record_bytes = 32u << 20;
};

struct InputRecord {
  enum class Kind { kJsonLine, kTextFile };
  Kind kind = Kind::kJsonLine;
  // The record's bytes: the line (no line break, no BOM) or the file's
  // text. A view of the reader's buffer (the usual line, which is then not
  // copied) or of `data`; valid until the next Next() with this record.
  absl::string_view text;
  std::string data;      // storage for `text` when it is not in the buffer
  uint32_t file_index = 0;  // into InputReader::files()
  uint64_t line = 0;     // 1-based line number in its file (1 for a .txt file)
  std::string id;        // kTextFile: the file name without ".txt"
  absl::Status error;    // not OK: this record could not be read (see above)
};

class InputReader {
 public:
  // Opens `inputs` (paths, folders or "-"). Folders are expanded to their
  // .txt files, recursively, in byte order of their paths. Fails with
  // NotFound / InvalidArgument when an input does not exist, is unreadable,
  // or when nothing is given.
  static absl::StatusOr<std::unique_ptr<InputReader>> Open(
      const std::vector<std::string>& inputs, const InputOptions& options = InputOptions());

  virtual ~InputReader() = default;

  // Reads the next record into `*rec` (reusing its memory). Returns false
  // when every input has been read. Blank lines are skipped (they are not
  // articles), but still counted in line numbers.
  virtual bool Next(InputRecord* rec) = 0;

  // The display names of the inputs, in reading order ("-" is "<stdin>").
  virtual const std::vector<std::string>& files() const = 0;

  // Bytes consumed so far from the underlying files (compressed size for
  // compressed inputs), and the total size when known (0 for stdin/pipes):
  // for progress reporting.
  virtual uint64_t bytes_read() const = 0;
  virtual uint64_t bytes_total() const = 0;
};

}  // namespace qalam

#endif  // QALAM_COORDINATOR_INPUT_H_
