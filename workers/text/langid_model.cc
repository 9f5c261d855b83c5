#include "workers/text/langid_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "common/status_macros.h"

namespace qalam {
namespace text {
namespace langid {
namespace {

// ---------------------------------------------------------------- writing

void PutU16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void PutF32(std::string* out, float f) {
  uint32_t v;
  std::memcpy(&v, &f, 4);
  PutU32(out, v);
}

void PutCode(std::string* out, const char* code) {
  // NUL-padded to 4 bytes (codes are at most 3 letters).
  const size_t n = std::min<size_t>(std::strlen(code), 4);
  out->append(code, n);
  out->append(4 - n, '\0');
}

// ---------------------------------------------------------------- reading

// Reads the payload front to back; every read is bounds-checked and reports
// what it was reading when the bytes run out.
class Reader {
 public:
  explicit Reader(absl::string_view data) : data_(data) {}

  absl::Status Need(size_t n, absl::string_view what) const {
    if (data_.size() - pos_ < n) {
      return absl::DataLossError(absl::StrCat("truncated payload: ", what, " needs ", n,
                                              " bytes at payload offset ", pos_, ", only ",
                                              data_.size() - pos_, " left"));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<uint32_t> U32(absl::string_view what) {
    QALAM_RETURN_IF_ERROR(Need(4, what));
    const unsigned char* p = Here();
    pos_ += 4;
    return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
           (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
  }
  absl::StatusOr<uint16_t> U16(absl::string_view what) {
    QALAM_RETURN_IF_ERROR(Need(2, what));
    const unsigned char* p = Here();
    pos_ += 2;
    return static_cast<uint16_t>(p[0] | (p[1] << 8));
  }
  absl::StatusOr<float> F32(absl::string_view what) {
    QALAM_ASSIGN_OR_RETURN(uint32_t v, U32(what));
    float f;
    std::memcpy(&f, &v, 4);
    return f;
  }
  absl::StatusOr<absl::string_view> Bytes(size_t n, absl::string_view what) {
    QALAM_RETURN_IF_ERROR(Need(n, what));
    absl::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  const unsigned char* Here() const {
    return reinterpret_cast<const unsigned char*>(data_.data()) + pos_;
  }
  absl::string_view data_;
  size_t pos_ = 0;
};

uint64_t LoadU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

uint32_t LoadU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt payload: ", what));
}

template <size_t N>
absl::Status ReadCodes(Reader* r, const std::array<const char*, N>& expected,
                       absl::string_view script) {
  for (size_t i = 0; i < N; ++i) {
    QALAM_ASSIGN_OR_RETURN(absl::string_view raw, r->Bytes(4, "language code"));
    absl::string_view code = raw.substr(0, std::min(raw.find('\0'), raw.size()));
    if (code != expected[i]) {
      return Corrupt(
          absl::StrCat(script, " language ", i, " is '", code, "', expected '", expected[i], "'"));
    }
  }
  return absl::OkStatus();
}

template <size_t N>
absl::Status ReadDequant(Reader* r, std::array<float, N>* lo, std::array<float, N>* step,
                         absl::string_view script) {
  for (size_t i = 0; i < N; ++i) {
    QALAM_ASSIGN_OR_RETURN((*lo)[i], r->F32("table offset"));
    if (!std::isfinite((*lo)[i])) {
      return Corrupt(absl::StrCat(script, " table offset ", i, " is not finite"));
    }
  }
  for (size_t i = 0; i < N; ++i) {
    QALAM_ASSIGN_OR_RETURN((*step)[i], r->F32("table step"));
    if (!std::isfinite((*step)[i]) || (*step)[i] < 0) {
      return Corrupt(absl::StrCat(script, " table step ", i, " is not a finite value >= 0"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckParams(const Params& p) {
  const float positive[] = {p.slope_lat, p.slope_ara, p.n0, p.n_ref, p.ara_letter_w};
  for (float v : positive) {
    if (!std::isfinite(v) || v <= 0)
      return Corrupt("a slope, n0, n_ref or letter weight is not > 0");
  }
  if (!std::isfinite(p.theta_lat) || !std::isfinite(p.theta_ara)) {
    return Corrupt("a threshold is not finite");
  }
  if (p.w_lower < 1 || p.w_lower > 1000 || p.w_cap < 1 || p.w_cap > 1000) {
    return Corrupt(absl::StrCat("n-gram weights ", p.w_lower, "/", p.w_cap, " outside 1..1000"));
  }
  if (p.min_letters > 1000000) return Corrupt("min_letters is implausibly large");
  return absl::OkStatus();
}

absl::Status CheckCharTable(const Model& m) {
  const size_t n_pages = m.pages.size() / 256;
  for (size_t i = 0; i < 256; ++i) {
    if (m.page_index[i] >= n_pages) {
      return Corrupt(absl::StrCat("char table: page index ", i, " points to page ", m.page_index[i],
                                  " of ", n_pages));
    }
  }
  for (uint32_t cp = 0; cp < 0x10000; ++cp) {
    const uint32_t e = m.pages[static_cast<size_t>(m.page_index[cp >> 8]) * 256 + (cp & 255)];
    const uint32_t c = EntryClass(e);
    if (c > kSpace || EntryFolded(e) > 0x10FFFF) {
      return Corrupt(absl::StrCat("char table: bad entry 0x", absl::Hex(e), " for U+",
                                  absl::Hex(cp, absl::kZeroPad4)));
    }
    if ((c == kSpace) != IsSpaceCodePoint(cp)) {
      return Corrupt(absl::StrCat("char table: U+", absl::Hex(cp, absl::kZeroPad4),
                                  c == kSpace ? " is" : " is not",
                                  " whitespace, unlike the format's whitespace set"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool Model::operator==(const Model& o) const {
  const Params& a = params;
  const Params& b = o.params;
  return bits_lat == o.bits_lat && bits_ara == o.bits_ara && lo_lat == o.lo_lat &&
         step_lat == o.step_lat && lo_ara == o.lo_ara && step_ara == o.step_ara &&
         a.theta_lat == b.theta_lat && a.theta_ara == b.theta_ara && a.slope_lat == b.slope_lat &&
         a.slope_ara == b.slope_ara && a.n0 == b.n0 && a.n_ref == b.n_ref &&
         a.ara_letter_w == b.ara_letter_w && a.min_letters == b.min_letters &&
         a.w_lower == b.w_lower && a.w_cap == b.w_cap && page_index == o.page_index &&
         pages == o.pages && lat == o.lat && ara == o.ara;
}

std::string SerializeModel(const Model& m) {
  std::string payload;
  payload.reserve(1024 + m.pages.size() * 4 + m.lat.size() + m.ara.size());
  PutU32(&payload, m.bits_lat);
  PutU32(&payload, kLatinLanguages);
  PutU32(&payload, m.bits_ara);
  PutU32(&payload, kArabicLanguages);
  for (const char* c : kLatinCodes) PutCode(&payload, c);
  for (const char* c : kArabicCodes) PutCode(&payload, c);
  for (float v : m.lo_lat) PutF32(&payload, v);
  for (float v : m.step_lat) PutF32(&payload, v);
  for (float v : m.lo_ara) PutF32(&payload, v);
  for (float v : m.step_ara) PutF32(&payload, v);
  const Params& p = m.params;
  for (float v :
       {p.theta_lat, p.theta_ara, p.slope_lat, p.slope_ara, p.n0, p.n_ref, p.ara_letter_w}) {
    PutF32(&payload, v);
  }
  PutU32(&payload, p.min_letters);
  PutU32(&payload, p.w_lower);
  PutU32(&payload, p.w_cap);
  PutU32(&payload, static_cast<uint32_t>(m.pages.size() / 256));
  for (uint16_t v : m.page_index) PutU16(&payload, v);
  for (uint32_t v : m.pages) PutU32(&payload, v);
  payload.append(reinterpret_cast<const char*>(m.lat.data()), m.lat.size());
  payload.append(reinterpret_cast<const char*>(m.ara.data()), m.ara.size());

  std::string out;
  out.reserve(kHeaderSize + payload.size());
  out.append(kMagic, 4);
  PutU32(&out, kFormatVersion);
  PutU32(&out, kHeaderSize);
  PutU32(&out, 0);  // flags
  PutU64(&out, payload.size());
  PutU64(&out, Hash64(payload.data(), payload.size(), kChecksumSeed));
  out += payload;
  return out;
}

absl::StatusOr<Model> ParseModel(absl::string_view bytes) {
  // Header.
  if (bytes.size() < 8) {
    return absl::DataLossError(
        absl::StrCat("truncated: ", bytes.size(), " bytes, too short for a model header"));
  }
  if (std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return absl::InvalidArgumentError(
        "not a qalam language-identification model (bad magic; expected \"QLID\")");
  }
  const uint32_t version = LoadU32(bytes.data() + 4);
  if (version != kFormatVersion) {
    return absl::InvalidArgumentError(absl::StrCat("unsupported model format version ", version,
                                                   " (this build reads version ", kFormatVersion,
                                                   ")"));
  }
  if (bytes.size() < kHeaderSize) {
    return absl::DataLossError(
        absl::StrCat("truncated: ", bytes.size(), " bytes, the header alone is ", kHeaderSize));
  }
  const uint32_t header_size = LoadU32(bytes.data() + 8);
  const uint32_t flags = LoadU32(bytes.data() + 12);
  if (header_size != kHeaderSize || flags != 0) {
    return absl::DataLossError(absl::StrCat("corrupt header: size ", header_size, ", flags ", flags,
                                            " (expected ", kHeaderSize, ", 0)"));
  }
  const uint64_t payload_size = LoadU64(bytes.data() + 16);
  const uint64_t have = bytes.size() - kHeaderSize;
  if (have < payload_size) {
    return absl::DataLossError(absl::StrCat("truncated: the header announces ", payload_size,
                                            " payload bytes, the file has ", have));
  }
  if (have > payload_size) {
    return absl::DataLossError(
        absl::StrCat("corrupt: ", have - payload_size, " unexpected bytes after the payload"));
  }
  absl::string_view payload = bytes.substr(kHeaderSize);
  const uint64_t checksum = LoadU64(bytes.data() + 24);
  const uint64_t actual = Hash64(payload.data(), payload.size(), kChecksumSeed);
  if (checksum != actual) {
    return absl::DataLossError(absl::StrCat(
        "checksum mismatch: header says 0x", absl::Hex(checksum, absl::kZeroPad16),
        ", payload hashes to 0x", absl::Hex(actual, absl::kZeroPad16), " (the file is corrupted)"));
  }

  // Payload.
  Model m;
  Reader r(payload);
  QALAM_ASSIGN_OR_RETURN(m.bits_lat, r.U32("bits_lat"));
  QALAM_ASSIGN_OR_RETURN(uint32_t n_lat, r.U32("n_lat"));
  QALAM_ASSIGN_OR_RETURN(m.bits_ara, r.U32("bits_ara"));
  QALAM_ASSIGN_OR_RETURN(uint32_t n_ara, r.U32("n_ara"));
  if (m.bits_lat < 4 || m.bits_lat > 24 || m.bits_ara < 4 || m.bits_ara > 24) {
    return Corrupt(absl::StrCat("table bits ", m.bits_lat, "/", m.bits_ara, " outside 4..24"));
  }
  if (n_lat != kLatinLanguages || n_ara != kArabicLanguages) {
    return Corrupt(absl::StrCat("language counts ", n_lat, "/", n_ara, ", expected ",
                                kLatinLanguages, "/", kArabicLanguages));
  }
  QALAM_RETURN_IF_ERROR(ReadCodes(&r, kLatinCodes, "Latin"));
  QALAM_RETURN_IF_ERROR(ReadCodes(&r, kArabicCodes, "Arabic"));
  QALAM_RETURN_IF_ERROR(ReadDequant(&r, &m.lo_lat, &m.step_lat, "Latin"));
  QALAM_RETURN_IF_ERROR(ReadDequant(&r, &m.lo_ara, &m.step_ara, "Arabic"));
  Params& p = m.params;
  for (float* v :
       {&p.theta_lat, &p.theta_ara, &p.slope_lat, &p.slope_ara, &p.n0, &p.n_ref, &p.ara_letter_w}) {
    QALAM_ASSIGN_OR_RETURN(*v, r.F32("parameters"));
  }
  QALAM_ASSIGN_OR_RETURN(p.min_letters, r.U32("min_letters"));
  QALAM_ASSIGN_OR_RETURN(p.w_lower, r.U32("w_lower"));
  QALAM_ASSIGN_OR_RETURN(p.w_cap, r.U32("w_cap"));
  QALAM_RETURN_IF_ERROR(CheckParams(p));

  QALAM_ASSIGN_OR_RETURN(uint32_t n_pages, r.U32("n_pages"));
  if (n_pages < 1 || n_pages > 256) {
    return Corrupt(absl::StrCat("char table has ", n_pages, " pages (1..256 allowed)"));
  }
  for (uint16_t& v : m.page_index) {
    QALAM_ASSIGN_OR_RETURN(v, r.U16("char table page index"));
  }
  QALAM_ASSIGN_OR_RETURN(absl::string_view pages,
                         r.Bytes(size_t{n_pages} * 256 * 4, "char table pages"));
  m.pages.resize(size_t{n_pages} * 256);
  for (size_t i = 0; i < m.pages.size(); ++i) m.pages[i] = LoadU32(pages.data() + 4 * i);
  QALAM_RETURN_IF_ERROR(CheckCharTable(m));

  const size_t lat_size = (size_t{1} << m.bits_lat) * kLatinLanguages;
  const size_t ara_size = (size_t{1} << m.bits_ara) * kArabicLanguages;
  QALAM_ASSIGN_OR_RETURN(absl::string_view lat, r.Bytes(lat_size, "Latin table"));
  QALAM_ASSIGN_OR_RETURN(absl::string_view ara, r.Bytes(ara_size, "Arabic table"));
  if (r.remaining() != 0) {
    return Corrupt(absl::StrCat(r.remaining(), " bytes left after the Arabic table"));
  }
  m.lat.assign(lat.begin(), lat.end());
  m.ara.assign(ara.begin(), ara.end());
  return m;
}

}  // namespace langid
}  // namespace text
}  // namespace qalam
