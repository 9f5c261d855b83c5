#include "workers/text/normalizer.h"

namespace qalam {
namespace text {

void Normalizer::Normalize(absl::string_view text, std::string* out) const {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* end = p + text.size();
  const bool teh = options_.fold_teh_marbuta;
  size_t pos = out->size();
  out->resize(pos + text.size() + kMaxFoldBytes);
  char* w = &(*out)[pos];
  char* limit = &(*out)[0] + out->size();
  while (p < end) {
    if (limit - w < kMaxFoldBytes) {  // folds can expand (ﷺ -> 33 bytes)
      size_t used = static_cast<size_t>(w - &(*out)[0]);
      out->resize(out->size() * 2 + kMaxFoldBytes);
      w = &(*out)[used];
      limit = &(*out)[0] + out->size();
    }
    unsigned char c = *p;
    if (c < 0x80) {
      *w++ = static_cast<char>((c >= 'A' && c <= 'Z') ? (c | 0x20) : c);
      ++p;
      continue;
    }
    int len;
    uint32_t cp = DecodeUtf8(p, &len);
    w = WriteFolded(GetCharInfo(cp), p, len, teh, w);
    p += len;
  }
  out->resize(static_cast<size_t>(w - &(*out)[0]));
}

void Normalizer::NormalizeWithOffsets(absl::string_view text, std::string* out,
                                      std::vector<uint32_t>* source) const {
  const unsigned char* base = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* p = base;
  const unsigned char* end = p + text.size();
  while (p < end) {
    int len;
    uint32_t cp = DecodeUtf8(p, &len);
    size_t before = out->size();
    AppendFolded(GetCharInfo(cp), p, len, out);
    source->insert(source->end(), out->size() - before, static_cast<uint32_t>(p - base));
    p += len;
  }
}

}  // namespace text
}  // namespace qalam
