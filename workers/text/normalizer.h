// Normalisation for matching: the form in which qalam compares, hashes and
// counts words. Display text is never changed; every token keeps its span in
// the original text (see analyzer.h).
//
// Per character, the normalised form is NFKC_Casefold followed by qalam's
// Arabic rules, computed at build time from ICU (char_info.h):
//   - Arabic diacritics U+064B-U+0652 and U+0670, and tatweel U+0640, removed;
//   - أ إ آ ٱ -> ا ; ى -> ي ; Persian/Urdu ک -> ك and ی -> ي ;
//   - ة -> ه only when Options::fold_teh_marbuta is set;
//   - Arabic-Indic and Extended Arabic-Indic digits -> ASCII digits;
//   - bidi controls and zero-width characters (Default_Ignorable) removed;
//   - Latin (and all cased scripts) case-folded; compatibility forms
//     (Arabic presentation forms U+FB50-U+FEFF, full-width Latin, ligatures)
//     folded as NFKC does.
// Folding is idempotent: Normalize(Normalize(x)) == Normalize(x).
//
// A Normalizer is immutable after construction and safe for concurrent use.
#ifndef QALAM_WORKERS_TEXT_NORMALIZER_H_
#define QALAM_WORKERS_TEXT_NORMALIZER_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "workers/text/char_info.h"
#include "workers/text/utf8.h"

namespace qalam {
namespace text {

struct NormalizerOptions {
  // Fold teh marbuta (ة) to heh (ه). Off by default: the two are distinct
  // letters, but news text often confuses them, so matching may want this.
  bool fold_teh_marbuta = false;
};

class Normalizer {
 public:
  explicit Normalizer(NormalizerOptions options = NormalizerOptions())
      : options_(options) {}

  const NormalizerOptions& options() const { return options_; }

  // Appends the normalised form of `text` to `*out`.
  // REQUIRES: `text` is valid UTF-8.
  void Normalize(absl::string_view text, std::string* out) const;

  // Like Normalize, and appends to `*source` one entry per byte appended to
  // `*out`: the byte offset in `text` of the character it came from. So any
  // span of the normalised text maps back to a span of the original.
  void NormalizeWithOffsets(absl::string_view text, std::string* out,
                            std::vector<uint32_t>* source) const;

  // The normalised form of one character, appended to `*out`.
  void AppendFolded(const CharInfo& info, const unsigned char* raw, int len,
                    std::string* out) const {
    char buf[kMaxFoldBytes];
    char* e = WriteFolded(info, raw, len, options_.fold_teh_marbuta, buf);
    out->append(buf, static_cast<size_t>(e - buf));
  }

  // The most bytes the normalised form of one character can take.
  static constexpr int kMaxFoldBytes = 64;

  // Writes the normalised form of one character (`raw`, `len` bytes, whose
  // properties are `info`) at `w` and returns the end of what it wrote.
  // REQUIRES: at least kMaxFoldBytes bytes of room at `w`.
  // Inline: the analyser's word loop calls it for every character.
  static char* WriteFolded(const CharInfo& info, const unsigned char* raw, int len,
                           bool fold_teh_marbuta, char* w) {
    const uint16_t f = info.flags;
    if (!(f & (kCharFolds | kCharTehMarbuta))) {
      // Never read past `len`: the character may end the buffer.
      w[0] = static_cast<char>(raw[0]);
      if (len > 1) {
        w[1] = static_cast<char>(raw[1]);
        if (len > 2) {
          w[2] = static_cast<char>(raw[2]);
          if (len > 3) w[3] = static_cast<char>(raw[3]);
        }
      }
      return w + len;
    }
    if ((f & kCharTehMarbuta) && fold_teh_marbuta) {
      w[0] = '\xD9';  // ه
      w[1] = '\x87';
      return w + 2;
    }
    if (f & kCharFolds) {
      std::memcpy(w, internal::kFoldPool + info.fold_off, info.fold_len);
      return w + info.fold_len;
    }
    std::memcpy(w, raw, static_cast<size_t>(len));
    return w + len;
  }

 private:
  NormalizerOptions options_;
};

}  // namespace text
}  // namespace qalam

#endif  // QALAM_WORKERS_TEXT_NORMALIZER_H_
