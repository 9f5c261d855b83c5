#include "common/json_writer.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace qalam {

void AppendJsonString(std::string* out, absl::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    // Copy the longest run that needs no escaping in one append.
    const char* run = p;
    while (p < end) {
      unsigned char c = static_cast<unsigned char>(*p);
      if (c < 0x20 || c == '"' || c == '\\') break;
      ++p;
    }
    out->append(run, static_cast<size_t>(p - run));
    if (p == end) break;
    unsigned char c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default: {
        char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(buf, 6);
      }
    }
  }
  out->push_back('"');
}

void AppendJsonDouble(std::string* out, double v, int digits) {
  if (!std::isfinite(v)) v = 0;
  if (digits < 0) digits = 0;
  if (digits > 9) digits = 9;
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  if (n <= 0) {
    out->push_back('0');
    return;
  }
  int len = n;
  if (std::memchr(buf, '.', static_cast<size_t>(len)) != nullptr) {
    while (len > 1 && buf[len - 1] == '0') --len;
    if (buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') {  // "-0" -> "0"
    out->push_back('0');
    return;
  }
  out->append(buf, static_cast<size_t>(len));
}

void AppendJsonUint(std::string* out, uint64_t v) {
  char buf[24];
  int i = 24;
  do {
    buf[--i] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  out->append(buf + i, static_cast<size_t>(24 - i));
}

}  // namespace qalam
