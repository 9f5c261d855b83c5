// Fuzzes the coordinator's input reader (coordinator/input.h) on files made
// from the input. The first byte picks the case:
//   bits 0-1  0: the rest as a .jsonl file; 1: the rest repeated past the
//             reader's 1 MiB buffer (lines then straddle refills); 2: the
//             rest as a .jsonl.gz file; 3: as a .jsonl.zst file;
//   bit 2     a record limit of 64 bytes instead of the default.
// As JSON Lines the records must be exactly those of the reference split
// below (lines, BOM, CRLF, blank lines, oversized lines, a last line with no
// line break), whether the reader returns a line as a view of its buffer or
// as a copy. Compressed (usually corrupt) streams must end in records or
// clear errors: never a crash, a hang or a line break inside a record.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "coordinator/input.h"

namespace {

struct Rec {
  std::string text;
  uint64_t line = 0;
  bool error = false;
  bool operator==(const Rec& o) const {
    return text == o.text && line == o.line && error == o.error;
  }
};

bool Blank(const std::string& s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// JSON Lines as input.h describes them.
std::vector<Rec> Reference(const std::string& data, size_t max_bytes) {
  std::vector<Rec> out;
  size_t pos = data.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  uint64_t line = 0;
  while (pos < data.size()) {
    const size_t nl = data.find('\n', pos);
    const size_t end = nl == std::string::npos ? data.size() : nl;
    std::string l = data.substr(pos, end - pos);
    pos = nl == std::string::npos ? data.size() : nl + 1;
    ++line;
    if (l.size() > max_bytes) {
      out.push_back(Rec{"", line, true});
      continue;
    }
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (Blank(l)) continue;
    out.push_back(Rec{l, line, false});
  }
  return out;
}

const char* const kNames[] = {"in.jsonl", "big.jsonl", "in.jsonl.gz", "in.jsonl.zst"};

// A folder of this process's own for the files, removed at exit.
const std::string& Dir() {
  static const std::string* dir = [] {
    char tmpl[] = "/tmp/qalam-fuzz-input-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    std::atexit([] {
      for (const char* name : kNames) ::unlink((Dir() + "/" + name).c_str());
      ::rmdir(Dir().c_str());
    });
    return new std::string(tmpl);
  }();
  return *dir;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) {
    std::abort();
  }
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int mode = data[0] & 3;
  qalam::InputOptions options;
  if (data[0] & 4) options.max_record_bytes = 64;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (mode == 1 && !bytes.empty()) {
    std::string big;
    while (big.size() < (1u << 20) + 4096) big += bytes;
    bytes.swap(big);
  }
  const std::string path = Dir() + "/" + kNames[mode];
  WriteFile(path, bytes);

  auto reader = qalam::InputReader::Open({path}, options);
  if (!reader.ok()) std::abort();  // the file exists
  std::vector<Rec> got;
  qalam::InputRecord rec;
  while ((*reader)->Next(&rec)) {
    if (rec.error.ok()) {
      if (rec.text.find('\n') != absl::string_view::npos) std::abort();
      if (rec.text.size() > options.max_record_bytes) std::abort();
      got.push_back(Rec{std::string(rec.text), rec.line, false});
    } else {
      if (rec.error.message().empty() || !rec.text.empty()) std::abort();
      got.push_back(Rec{"", rec.line, true});
    }
    if (got.size() > bytes.size() + 2) std::abort();  // more records than bytes: a loop
  }
  if (mode <= 1 && got != Reference(bytes, options.max_record_bytes)) std::abort();
  return 0;
}
