// Helpers that append JSON to a std::string. No allocation beyond the
// string's own growth; output is deterministic (no locale, fixed formats).
#ifndef QALAM_COMMON_JSON_WRITER_H_
#define QALAM_COMMON_JSON_WRITER_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace qalam {

// Appends `s` as a JSON string literal, quotes included. Escapes '"', '\\'
// and control characters below U+0020; everything else, including non-ASCII
// UTF-8, is copied as is.
// REQUIRES: `s` is valid UTF-8 (validated where the text entered).
void AppendJsonString(std::string* out, absl::string_view s);

// Appends a number with at most `digits` decimals, trailing zeros removed
// ("0.93", "1", "0.0004"). Non-finite values are written as 0.
void AppendJsonDouble(std::string* out, double v, int digits = 4);

// Appends an unsigned integer in decimal.
void AppendJsonUint(std::string* out, uint64_t v);

}  // namespace qalam

#endif  // QALAM_COMMON_JSON_WRITER_H_
