// UTF-8 validation, repair, decoding and offset conversion.
//
// Text is validated once, where it enters qalam (a file reader, an RPC
// handler); everything downstream may assume valid UTF-8. All functions are
// pure and thread-safe.
#ifndef QALAM_WORKERS_TEXT_UTF8_H_
#define QALAM_WORKERS_TEXT_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace qalam {
namespace text {

// Returns the byte offset of the first ill-formed sequence in `s` (overlong
// forms, surrogates, code points above U+10FFFF, truncated or stray
// continuation bytes), or absl::string_view::npos when `s` is valid UTF-8.
size_t FindInvalidUtf8(absl::string_view s);

// OK when `s` is valid UTF-8; otherwise InvalidArgument
// "invalid UTF-8 at byte N" naming the first bad byte.
absl::Status ValidateUtf8(absl::string_view s);

// Writes `s` to `*out` (replacing its contents) with every maximal ill-formed
// subsequence replaced by U+FFFD, as the Unicode standard recommends (and
// ICU and Python do). Returns the number of replacements.
size_t ReplaceInvalidUtf8(absl::string_view s, std::string* out);

// Decodes the code point at `p`. REQUIRES: [p, end) starts with a valid
// UTF-8 sequence. Sets `*len` to its length in bytes (1-4).
inline uint32_t DecodeUtf8(const unsigned char* p, int* len) {
  uint32_t c = p[0];
  if (c < 0x80) {
    *len = 1;
    return c;
  }
  if (c < 0xE0) {
    *len = 2;
    return ((c & 0x1F) << 6) | (p[1] & 0x3F);
  }
  if (c < 0xF0) {
    *len = 3;
    return ((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
  }
  *len = 4;
  return ((c & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) |
         (p[3] & 0x3F);
}

// Appends the UTF-8 encoding of `cp` (REQUIRES: a scalar value).
void AppendUtf8(uint32_t cp, std::string* out);

// Units in which offsets into a text can be counted.
enum class OffsetUnit { kUtf8, kUtf16, kCodePoint };

// Parses "utf8", "utf16" or "codepoint"; InvalidArgument otherwise.
absl::Status ParseOffsetUnit(absl::string_view name, OffsetUnit* unit);

// Converts byte offsets into `text` to `unit`, in place. The offsets may come
// in any order; a single forward pass over the text serves all of them when
// they are sorted. REQUIRES: `text` is valid UTF-8 and every offset is
// <= text.size() and on a character boundary.
void ConvertOffsets(absl::string_view text, OffsetUnit unit,
                    std::vector<uint32_t>* offsets);

}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_UTF8_H_
