#include "workers/text/utf8.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace qalam {
namespace text {
namespace {

// Length of the well-formed sequence at [p, end), or 0 when ill-formed.
// Follows Table 3-7 of the Unicode standard (well-formed byte sequences).
inline int WellFormedLength(const unsigned char* p, const unsigned char* end) {
  unsigned c = p[0];
  if (c < 0x80) return 1;
  size_t avail = static_cast<size_t>(end - p);
  if (c >= 0xC2 && c <= 0xDF) {
    return (avail >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (avail < 3) return 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
    if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (avail < 4) return 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
    return 4;
  }
  return 0;
}

// Length of the maximal subpart of an ill-formed sequence at p (>= 1): the
// bytes that begin a valid sequence but are cut short count as one error.
inline int MaximalSubpart(const unsigned char* p, const unsigned char* end) {
  unsigned c = p[0];
  size_t avail = static_cast<size_t>(end - p);
  unsigned lo = 0x80, hi = 0xBF;
  int need;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 1;
  }
  int i = 1;
  for (; i < need && static_cast<size_t>(i) < avail; ++i) {
    unsigned b = p[i];
    unsigned l = (i == 1) ? lo : 0x80;
    unsigned h = (i == 1) ? hi : 0xBF;
    if (b < l || b > h) break;
  }
  return i;
}

}  // namespace

size_t FindInvalidUtf8(absl::string_view s) {
  const unsigned char* begin = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* p = begin;
  const unsigned char* end = p + s.size();
  while (p < end) {
    // ASCII fast path: eight bytes at a time.
    while (end - p >= 8) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      if (v & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p >= end) break;
    if (*p < 0x80) {
      ++p;
      continue;
    }
    int n = WellFormedLength(p, end);
    if (n == 0) return static_cast<size_t>(p - begin);
    p += n;
  }
  return absl::string_view::npos;
}

absl::Status ValidateUtf8(absl::string_view s) {
  size_t bad = FindInvalidUtf8(s);
  if (bad == absl::string_view::npos) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("invalid UTF-8 at byte ", bad));
}

size_t ReplaceInvalidUtf8(absl::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  const unsigned char* begin = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* p = begin;
  const unsigned char* end = p + s.size();
  size_t replaced = 0;
  const unsigned char* run = p;
  while (p < end) {
    int n = WellFormedLength(p, end);
    if (n > 0) {
      p += n;
      continue;
    }
    out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    out->append("\xEF\xBF\xBD");
    ++replaced;
    p += MaximalSubpart(p, end);
    run = p;
  }
  out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
  return replaced;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  char buf[4];
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
    return;
  }
  if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    out->append(buf, 2);
  } else if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    out->append(buf, 3);
  } else {
    buf[0] = static_cast<char>(0xF0 | (cp >> 18));
    buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
    out->append(buf, 4);
  }
}

absl::Status ParseOffsetUnit(absl::string_view name, OffsetUnit* unit) {
  if (name == "utf8" || name == "utf-8" || name == "bytes") {
    *unit = OffsetUnit::kUtf8;
  } else if (name == "utf16" || name == "utf-16") {
    *unit = OffsetUnit::kUtf16;
  } else if (name == "codepoint" || name == "codepoints") {
    *unit = OffsetUnit::kCodePoint;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown offset unit '", name, "' (expected utf8, utf16 or codepoint)"));
  }
  return absl::OkStatus();
}

void ConvertOffsets(absl::string_view text, OffsetUnit unit,
                    std::vector<uint32_t>* offsets) {
  if (unit == OffsetUnit::kUtf8 || offsets->empty()) return;
  std::vector<uint32_t>& v = *offsets;
  const bool sorted = std::is_sorted(v.begin(), v.end());
  std::vector<uint32_t> order;
  if (!sorted) {
    order.resize(v.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&v](uint32_t a, uint32_t b) { return v[a] < v[b]; });
  }
  const unsigned char* base = reinterpret_cast<const unsigned char*>(text.data());
  uint32_t byte = 0;   // current byte position
  uint32_t units = 0;  // units before `byte`
  for (size_t k = 0; k < v.size(); ++k) {
    uint32_t& target = sorted ? v[k] : v[order[k]];
    uint32_t want = std::min<uint32_t>(target, static_cast<uint32_t>(text.size()));
    while (byte < want) {
      unsigned char c = base[byte];
      int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      units += (unit == OffsetUnit::kUtf16 && len == 4) ? 2 : 1;
      byte += static_cast<uint32_t>(len);
    }
    target = units;
  }
}

}  // namespace text
}  // namespace qalam
