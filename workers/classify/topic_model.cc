#include "workers/classify/topic_model.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "common/status_macros.h"
#include "workers/text/utf8.h"

namespace qalam {
namespace classify {
namespace {

constexpr char kMagic[8] = {'Q', 'A', 'L', 'A', 'M', 'T', 'P', 'C'};

uint32_t FloatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float BitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Little-endian 32-bit words of the file image. On a little-endian host
// (every platform qalam targets) these are the identity; the model's words
// are used in place.
inline uint32_t Le32(uint32_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return __builtin_bswap32(v);
#else
  return v;
#endif
}

void PutU32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  out->append(b, 4);
}
void PutU64(std::string* out, uint64_t v) {
  PutU32(out, static_cast<uint32_t>(v));
  PutU32(out, static_cast<uint32_t>(v >> 32));
}
void PadTo4(std::string* out) {
  while (out->size() % 4 != 0) out->push_back('\0');
}

uint32_t ReadU32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}
uint64_t ReadU64(const unsigned char* p) {
  return static_cast<uint64_t>(ReadU32(p)) | static_cast<uint64_t>(ReadU32(p + 4)) << 32;
}

}  // namespace

namespace {

// Bounds that keep every decision value finite: x is L2-normalised, so
// |x . w_k| <= sqrt(nnz) * max |w| stays far below FLT_MAX, and
// (score - top) / temperature is never NaN. The smallest idf keeps the
// normalisation factor 1 / |x| (at most 1 / idf, tf being >= 1) far from
// overflowing a float: an idf of 1e-30 made it infinite and the scores NaN
// (found by fuzz_topic_model). Trained models are orders of magnitude
// inside them (|w| < 100, idf >= 1, temperature in [0.01, 100]).
constexpr float kMaxMagnitude = 1e6f;
constexpr float kMinIdf = 1e-3f;
constexpr float kMinTemperature = 1e-3f;
constexpr float kMaxTemperature = 1e3f;

bool InRange(float v) { return std::fabs(v) <= kMaxMagnitude; }  // false for NaN
bool ValidTemperature(float t) { return t >= kMinTemperature && t <= kMaxTemperature; }

}  // namespace

void Softmax(const std::vector<float>& scores, float temperature, std::vector<float>* probs) {
  probs->resize(scores.size());
  if (scores.empty()) return;
  const float top = *std::max_element(scores.begin(), scores.end());
  const float inv_t = 1.0f / temperature;
  double sum = 0;
  for (size_t k = 0; k < scores.size(); ++k) {
    const float e = std::exp((scores[k] - top) * inv_t);
    (*probs)[k] = e;
    sum += e;
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (float& p : *probs) p *= inv;
}

absl::StatusOr<std::unique_ptr<TopicModel>> TopicModel::Create(TopicModelParts parts) {
  QALAM_RETURN_IF_ERROR(ValidateFeatureOptions(parts.features));
  const size_t k = parts.labels.size();
  if (k < 2 || k > kMaxLabels) {
    return absl::InvalidArgumentError(
        absl::StrCat("a topic model needs 2 to ", kMaxLabels, " labels, got ", k));
  }
  for (size_t i = 0; i < k; ++i) {
    const std::string& l = parts.labels[i];
    if (l.empty() || l.size() > kMaxLabelBytes || !text::ValidateUtf8(l).ok()) {
      return absl::InvalidArgumentError(absl::StrCat("label ", i, " is empty, longer than ",
                                                     kMaxLabelBytes, " bytes or not UTF-8"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (parts.labels[j] == l) {
        return absl::InvalidArgumentError(absl::StrCat("label '", l, "' appears twice"));
      }
    }
  }
  const size_t n = parts.buckets.size();
  if (parts.bias.size() != k || parts.idf.size() != n || parts.weights.size() != n * k) {
    return absl::InvalidArgumentError("topic model parts have inconsistent sizes");
  }
  if (!ValidTemperature(parts.temperature)) {
    return absl::InvalidArgumentError(
        absl::StrCat("temperature must be in [", kMinTemperature, ", ", kMaxTemperature, "]"));
  }
  for (float b : parts.bias) {
    if (!InRange(b)) return absl::InvalidArgumentError("a bias is not a finite number below 1e6");
  }
  if (n >= 0xFFFFFFFFu) return absl::InvalidArgumentError("too many buckets");
  std::unique_ptr<TopicModel> m(new TopicModel(parts.features));
  m->labels_ = std::move(parts.labels);
  m->bias_ = std::move(parts.bias);
  m->temperature_ = parts.temperature;
  m->description_ = std::move(parts.description);
  m->n_ = static_cast<uint32_t>(n);
  m->stride_ = static_cast<uint32_t>(k + 2);
  m->storage_.resize(n * m->stride_);
  for (size_t r = 0; r < n; ++r) {
    uint32_t* row = &m->storage_[r * m->stride_];
    row[0] = Le32(parts.buckets[r]);
    row[1] = Le32(FloatBits(parts.idf[r]));
    for (size_t c = 0; c < k; ++c) row[2 + c] = Le32(FloatBits(parts.weights[r * k + c]));
  }
  m->rows_ = m->storage_.data();
  QALAM_RETURN_IF_ERROR(m->BuildIndex("topic model"));
  if (!parts.neighbour_labels.empty()) {
    QALAM_RETURN_IF_ERROR(m->SetNeighbours(
        parts.neighbour_weight, std::move(parts.neighbour_labels),
        std::move(parts.neighbour_start), std::move(parts.neighbour_postings), "topic model",
        /*data_loss=*/false));
  }
  return m;
}

absl::Status TopicModel::SetNeighbours(float weight, std::vector<uint32_t> labels,
                                       std::vector<uint32_t> start,
                                       std::vector<NeighbourPosting> postings,
                                       absl::string_view what, bool data_loss) {
  auto bad = [&](absl::string_view problem) {
    const std::string msg = absl::StrCat(what, ": neighbour member: ", problem);
    return data_loss ? absl::DataLossError(msg) : absl::InvalidArgumentError(msg);
  };
  const size_t d = labels.size();
  if (d == 0 || d > kMaxNeighbourDocs) return bad("invalid number of documents");
  if (!(weight > 0) || !InRange(weight)) return bad("weight not in (0, 1e6]");
  const uint32_t k = static_cast<uint32_t>(labels_.size());
  for (uint32_t l : labels) {
    if (l >= k) return bad("a document's label is out of range");
  }
  if (start.size() != static_cast<size_t>(n_) + 1 || start[0] != 0) {
    return bad("posting starts do not match the rows");
  }
  for (size_t r = 0; r < n_; ++r) {
    if (start[r + 1] < start[r]) return bad("posting starts decrease");
  }
  if (postings.size() != start[n_]) {
    return bad("the number of postings does not match the starts");
  }
  for (size_t r = 0; r < n_; ++r) {
    for (uint32_t p = start[r]; p < start[r + 1]; ++p) {
      const NeighbourPosting& np = postings[p];
      if (np.doc >= d || (p > start[r] && np.doc <= postings[p - 1].doc)) {
        return bad("a posting's document is out of range or out of order");
      }
      if (!(np.value > 0 && np.value <= 1.0f)) return bad("a posting's value is not in (0, 1]");
    }
  }
  neighbour_weight_ = weight;
  neighbour_labels_ = std::move(labels);
  neighbour_start_ = std::move(start);
  neighbour_postings_ = std::move(postings);
  return absl::OkStatus();
}

absl::Status TopicModel::BuildIndex(absl::string_view what) {
  const uint32_t mask_bits = feature_options().bits;
  const uint64_t limit = uint64_t{1} << mask_bits;
  uint32_t prev = 0;
  for (uint32_t r = 0; r < n_; ++r) {
    const uint32_t* row = rows_ + static_cast<size_t>(r) * stride_;
    const uint32_t b = Le32(row[0]);
    if (b >= limit || (r > 0 && b <= prev)) {
      return absl::DataLossError(absl::StrCat(what, ": bucket ", b, " of row ", r,
                                              " is out of range or out of order"));
    }
    prev = b;
    const float idf = BitsFloat(Le32(row[1]));
    if (!(idf >= kMinIdf) || !InRange(idf)) {
      return absl::DataLossError(absl::StrCat(what, ": row ", r, " has an invalid idf"));
    }
    for (uint32_t c = 0; c < stride_ - 2; ++c) {
      if (!InRange(BitsFloat(Le32(row[2 + c])))) {
        return absl::DataLossError(
            absl::StrCat(what, ": row ", r, " has a weight that is not a finite number below 1e6"));
      }
    }
  }
  uint32_t cap_bits = 4;
  while ((uint64_t{1} << cap_bits) < 2 * static_cast<uint64_t>(n_)) ++cap_bits;
  slots_.assign(size_t{1} << cap_bits, Slot{kEmptySlot, 0});
  slot_shift_ = 32 - cap_bits;
  const uint32_t mask = static_cast<uint32_t>(slots_.size() - 1);
  for (uint32_t r = 0; r < n_; ++r) {
    const uint32_t b = Le32(rows_[static_cast<size_t>(r) * stride_]);
    uint32_t i = (b * 0x9E3779B1u) >> slot_shift_;
    while (slots_[i].bucket != kEmptySlot) i = (i + 1) & mask;
    slots_[i] = Slot{b, r};
  }
  return absl::OkStatus();
}

void TopicModel::PrefetchSlot(uint32_t bucket) const {
  __builtin_prefetch(&slots_[(bucket * 0x9E3779B1u) >> slot_shift_]);
}

uint32_t TopicModel::FindRowIndex(uint32_t bucket) const {
  const uint32_t mask = static_cast<uint32_t>(slots_.size() - 1);
  uint32_t i = (bucket * 0x9E3779B1u) >> slot_shift_;
  for (;;) {
    const Slot& s = slots_[i];
    if (s.bucket == bucket) return s.row;
    if (s.bucket == kEmptySlot) return kNoRow;
    i = (i + 1) & mask;
  }
}

const float* TopicModel::FindRow(uint32_t bucket) const {
  const uint32_t r = FindRowIndex(bucket);
  if (r == kNoRow) return nullptr;
  return reinterpret_cast<const float*>(rows_ + static_cast<size_t>(r) * stride_ + 1);
}

std::string TopicModel::Serialize() const {
  const size_t k = labels_.size();
  std::string out;
  out.reserve(kTopicModelHeaderBytes + description_.size() + 64 * k +
              static_cast<size_t>(n_) * stride_ * 4 + 16);
  out.append(kMagic, 8);
  const bool neighbours = !neighbour_labels_.empty();
  PutU32(&out, neighbours ? 2 : 1);
  PutU32(&out, kTopicModelHeaderBytes);
  PutU64(&out, 0);  // file size, patched below
  PutU64(&out, 0);  // checksum, patched below
  PutU32(&out, static_cast<uint32_t>(k));
  PutU32(&out, n_);
  PutU32(&out, kFeatureScheme);
  PutU32(&out, feature_options().bits);
  PutU32(&out, feature_options().families);
  PutU32(&out, 0);  // analyzer flags
  PutU32(&out, FloatBits(temperature_));
  PutU32(&out, static_cast<uint32_t>(description_.size()));
  out.append(description_);
  PadTo4(&out);
  for (const std::string& l : labels_) {
    PutU32(&out, static_cast<uint32_t>(l.size()));
    out.append(l);
  }
  PadTo4(&out);
  for (float b : bias_) PutU32(&out, FloatBits(b));
  const size_t words = static_cast<size_t>(n_) * stride_;
  for (size_t i = 0; i < words; ++i) PutU32(&out, Le32(rows_[i]));
  if (neighbours) {
    PutU32(&out, static_cast<uint32_t>(neighbour_labels_.size()));
    PutU32(&out, FloatBits(neighbour_weight_));
    for (uint32_t l : neighbour_labels_) PutU32(&out, l);
    for (uint32_t v : neighbour_start_) PutU32(&out, v);
    for (const NeighbourPosting& p : neighbour_postings_) {
      PutU32(&out, p.doc);
      PutU32(&out, FloatBits(p.value));
    }
  }
  const uint64_t size = out.size();
  const uint64_t sum = Hash64(out.data() + kTopicModelHeaderBytes,
                              out.size() - kTopicModelHeaderBytes, kTopicModelChecksumSeed);
  std::string patch;
  PutU64(&patch, size);
  PutU64(&patch, sum);
  out.replace(16, 16, patch);
  return out;
}

absl::Status TopicModel::Save(const std::string& path) const {
  const std::string bytes = Serialize();
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot write: ", std::strerror(errno)));
  }
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": write failed (disk full?)"));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": cannot rename into place: ",
                                            std::strerror(err)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<TopicModel>> TopicModel::ParseWords(std::vector<uint32_t> words,
                                                                   size_t size,
                                                                   absl::string_view what) {
  auto owner = std::make_shared<std::vector<uint32_t>>(std::move(words));
  const uint32_t* image = owner->data();
  return ParseImage(image, size, what, std::move(owner));
}

absl::StatusOr<std::unique_ptr<TopicModel>> TopicModel::ParseImage(
    const uint32_t* image, size_t size, absl::string_view what,
    std::shared_ptr<const void> owner) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(image);
  const size_t magic_len = std::min<size_t>(size, 8);
  if (std::memcmp(p, kMagic, magic_len) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": not a qalam topic model file"));
  }
  if (size < kTopicModelHeaderBytes) {
    return absl::DataLossError(absl::StrCat(what, ": truncated: ", size,
                                            " bytes, shorter than the 64-byte header"));
  }
  const uint32_t version = ReadU32(p + 8);
  if (version < 1 || version > kTopicModelFormatVersion) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": topic model format version ", version,
                                                   "; this build reads versions 1 to ",
                                                   kTopicModelFormatVersion));
  }
  if (ReadU32(p + 12) != kTopicModelHeaderBytes) {
    return absl::DataLossError(absl::StrCat(what, ": bad header size"));
  }
  const uint64_t file_size = ReadU64(p + 16);
  if (size < file_size) {
    return absl::DataLossError(absl::StrCat(what, ": truncated: ", size,
                                            " bytes, the header says ", file_size));
  }
  if (size > file_size) {
    return absl::DataLossError(absl::StrCat(what, ": ", size - file_size,
                                            " unexpected bytes after the end of the model"));
  }
  const uint64_t sum = Hash64(p + kTopicModelHeaderBytes, size - kTopicModelHeaderBytes,
                              kTopicModelChecksumSeed);
  if (sum != ReadU64(p + 24)) {
    return absl::DataLossError(absl::StrCat(what, ": checksum mismatch: the file is corrupted"));
  }
  const uint32_t k = ReadU32(p + 32);
  const uint32_t n = ReadU32(p + 36);
  const uint32_t scheme = ReadU32(p + 40);
  FeatureOptions fo;
  fo.bits = ReadU32(p + 44);
  fo.families = ReadU32(p + 48);
  const uint32_t analyzer_flags = ReadU32(p + 52);
  const float temperature = BitsFloat(ReadU32(p + 56));
  const uint32_t desc_size = ReadU32(p + 60);
  if (scheme != kFeatureScheme) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": the model uses feature scheme ",
                                                   scheme, "; this build computes scheme ",
                                                   kFeatureScheme, " (retrain the model)"));
  }
  if (analyzer_flags != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the model needs analyzer options this build does not support"));
  }
  absl::Status fs = ValidateFeatureOptions(fo);
  if (!fs.ok()) return absl::DataLossError(absl::StrCat(what, ": ", fs.message()));
  if (k < 2 || k > kMaxLabels) {
    return absl::DataLossError(absl::StrCat(what, ": invalid number of labels ", k));
  }
  if (!ValidTemperature(temperature)) {
    return absl::DataLossError(absl::StrCat(what, ": invalid temperature"));
  }
  size_t off = kTopicModelHeaderBytes;
  auto need = [&](uint64_t bytes, const char* part) -> absl::Status {
    if (bytes > size - off) {
      return absl::DataLossError(absl::StrCat(what, ": the ", part, " lies outside the file"));
    }
    return absl::OkStatus();
  };
  QALAM_RETURN_IF_ERROR(need(desc_size, "description"));
  std::string description(reinterpret_cast<const char*>(p + off), desc_size);
  off += (desc_size + 3) / 4 * 4;
  if (off > size) return absl::DataLossError(absl::StrCat(what, ": the labels lie outside the file"));
  std::vector<std::string> labels;
  labels.reserve(k);
  for (uint32_t i = 0; i < k; ++i) {
    QALAM_RETURN_IF_ERROR(need(4, "label table"));
    const uint32_t len = ReadU32(p + off);
    off += 4;
    QALAM_RETURN_IF_ERROR(need(len, "label table"));
    std::string l(reinterpret_cast<const char*>(p + off), len);
    off += len;
    if (l.empty() || l.size() > kMaxLabelBytes || !text::ValidateUtf8(l).ok()) {
      return absl::DataLossError(absl::StrCat(what, ": label ", i, " is invalid"));
    }
    for (const std::string& other : labels) {
      if (other == l) return absl::DataLossError(absl::StrCat(what, ": label '", l, "' twice"));
    }
    labels.push_back(std::move(l));
  }
  off = (off + 3) / 4 * 4;
  if (off > size) return absl::DataLossError(absl::StrCat(what, ": the biases lie outside the file"));
  QALAM_RETURN_IF_ERROR(need(uint64_t{4} * k, "bias table"));
  std::vector<float> bias(k);
  for (uint32_t i = 0; i < k; ++i) {
    bias[i] = BitsFloat(ReadU32(p + off + 4 * i));
    if (!InRange(bias[i])) {
      return absl::DataLossError(
          absl::StrCat(what, ": a bias is not a finite number below 1e6"));
    }
  }
  off += 4 * k;
  const uint64_t row_bytes = (uint64_t{k} + 2) * 4 * n;
  if (version == 1 ? row_bytes != size - off : row_bytes > size - off) {
    return absl::DataLossError(absl::StrCat(what, ": ", size - off, " bytes of rows, expected ",
                                            row_bytes, " for ", n, " buckets of ", k,
                                            " labels"));
  }
  const size_t rows_off = off;
  off += row_bytes;
  // Version 2: the neighbour member after the rows.
  uint32_t nn_docs = 0;
  float nn_weight = 0;
  std::vector<uint32_t> nn_labels, nn_start;
  std::vector<NeighbourPosting> nn_postings;
  if (version >= 2) {
    QALAM_RETURN_IF_ERROR(need(8, "neighbour member"));
    nn_docs = ReadU32(p + off);
    nn_weight = BitsFloat(ReadU32(p + off + 4));
    off += 8;
    if (nn_docs == 0 || nn_docs > kMaxNeighbourDocs) {
      return absl::DataLossError(absl::StrCat(what, ": invalid number of neighbour documents"));
    }
    QALAM_RETURN_IF_ERROR(need(uint64_t{4} * nn_docs + uint64_t{4} * (uint64_t{n} + 1),
                               "neighbour member"));
    nn_labels.resize(nn_docs);
    for (uint64_t i = 0; i < nn_docs; ++i) nn_labels[i] = ReadU32(p + off + 4 * i);
    off += uint64_t{4} * nn_docs;
    nn_start.resize(uint64_t{n} + 1);
    for (uint64_t r = 0; r <= n; ++r) nn_start[r] = ReadU32(p + off + 4 * r);
    off += 4 * (uint64_t{n} + 1);
    const uint64_t postings = nn_start[n];
    if (postings * 8 != size - off) {
      return absl::DataLossError(absl::StrCat(what, ": ", size - off,
                                              " bytes of neighbour postings, expected ",
                                              postings * 8));
    }
    nn_postings.resize(postings);
    for (uint64_t i = 0; i < postings; ++i) {
      nn_postings[i] = NeighbourPosting{ReadU32(p + off + 8 * i),
                                        BitsFloat(ReadU32(p + off + 8 * i + 4))};
    }
  }
  std::unique_ptr<TopicModel> m(new TopicModel(fo));
  m->labels_ = std::move(labels);
  m->bias_ = std::move(bias);
  m->temperature_ = temperature;
  m->description_ = std::move(description);
  m->n_ = n;
  m->stride_ = k + 2;
  m->image_ = std::move(owner);
  m->rows_ = image + rows_off / 4;
  QALAM_RETURN_IF_ERROR(m->BuildIndex(what));
  if (version >= 2) {
    QALAM_RETURN_IF_ERROR(m->SetNeighbours(nn_weight, std::move(nn_labels), std::move(nn_start),
                                           std::move(nn_postings), what, /*data_loss=*/true));
  }
  return m;
}

absl::StatusOr<std::unique_ptr<TopicModel>> TopicModel::Parse(absl::string_view bytes,
                                                              absl::string_view what) {
  std::vector<uint32_t> words((bytes.size() + 3) / 4 + 1, 0);
  if (!bytes.empty()) std::memcpy(words.data(), bytes.data(), bytes.size());
  return ParseWords(std::move(words), bytes.size(), what);
}

absl::StatusOr<std::unique_ptr<TopicModel>> TopicModel::Load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open: ", std::strerror(err)));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  const size_t size = static_cast<size_t>(st.st_size);
  // Mapped, not read: the rows are used in place, so the file's pages in
  // the page cache serve every process that loads the model, with no copy
  // and no zeroed heap to fault in first (most of `qalam annotate`'s start-up
  // time before). At least 16 bytes of the last page must be past the end
  // (they read as zeros), as the reading path's padding words provide.
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  if (size >= kTopicModelHeaderBytes && page > 16 && size % page != 0 &&
      size % page <= page - 16) {
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (map != MAP_FAILED) {
      ::close(fd);
      std::shared_ptr<const void> owner(map, [size](const void* addr) {
        ::munmap(const_cast<void*>(addr), size);
      });
      return ParseImage(static_cast<const uint32_t*>(map), size, path, std::move(owner));
    }
  }
  std::vector<uint32_t> words(size / 4 + 2, 0);
  char* dst = reinterpret_cast<char*>(words.data());
  size_t got = 0;
  while (got < size) {
    const ssize_t r = ::read(fd, dst + got, size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  ::close(fd);
  if (got != size) {
    return absl::DataLossError(absl::StrCat(path, ": read ", got, " of ", size, " bytes"));
  }
  return ParseWords(std::move(words), size, path);
}

uint32_t TopicModel::ArgMax(const std::vector<float>& scores) {
  uint32_t best = 0;
  for (uint32_t k = 1; k < scores.size(); ++k) {
    if (scores[k] > scores[best]) best = k;
  }
  return best;
}

void TopicModel::DecisionValues(const text::AnalyzedText& title, const text::AnalyzedText& body,
                                ClassifyScratch* scratch) const {
  features_.Extract(title, body, &scratch->features, &scratch->buckets);
  const uint32_t k = stride_ - 2;
  std::vector<float>& scores = scratch->scores;
  scores.assign(k, 0.0f);
  float* s = scores.data();
  // The model is megabytes of rows reached through a hash table: two cache
  // misses per feature, one depending on the other. Finding every row first,
  // with the slot of the feature kAhead places on prefetched and each row
  // prefetched as soon as it is found, lets those misses overlap; the sums
  // below then run in feature order, as before, so the scores are the same
  // to the bit.
  const std::vector<BucketTf>& buckets = scratch->buckets;
  const size_t n = buckets.size();
  std::vector<const float*>& rows = scratch->rows;
  rows.resize(n);
  constexpr size_t kAhead = 32;
  for (size_t j = 0; j < n && j < kAhead; ++j) PrefetchSlot(buckets[j].bucket);
  const size_t row_bytes = size_t{stride_} * sizeof(uint32_t);
  const bool neighbours = !neighbour_labels_.empty();
  if (neighbours) scratch->row_ids.resize(n);
  for (size_t j = 0; j < n; ++j) {
    if (j + kAhead < n) PrefetchSlot(buckets[j + kAhead].bucket);
    const uint32_t r = FindRowIndex(buckets[j].bucket);
    if (r == kNoRow) {
      rows[j] = nullptr;
      continue;
    }
    const uint32_t* first = rows_ + static_cast<size_t>(r) * stride_;  // the row's bucket word
    rows[j] = reinterpret_cast<const float*>(first + 1);
    __builtin_prefetch(first);
    __builtin_prefetch(reinterpret_cast<const char*>(first) + row_bytes - 1);
    if (neighbours) {
      scratch->row_ids[j] = r;
      __builtin_prefetch(&neighbour_start_[r]);
    }
  }
  double norm2 = 0;
  for (size_t j = 0; j < n; ++j) {
    const BucketTf& bt = buckets[j];
    const float* row = rows[j];
    if (row == nullptr) continue;
    const float v = bt.tf * row[0];
    norm2 += static_cast<double>(v) * v;
    const float* w = row + 1;
    for (uint32_t c = 0; c < k; ++c) s[c] += v * w[c];
  }
  const float inv = norm2 > 0 ? static_cast<float>(1.0 / std::sqrt(norm2)) : 0.0f;
  for (uint32_t c = 0; c < k; ++c) s[c] = s[c] * inv + bias_[c];
  if (neighbours) AddNeighbourScores(buckets, rows, scratch, s);
}

double NeighbourDots(const uint32_t* start, const NeighbourPosting* postings,
                     const uint32_t* labels, const uint32_t* rows, const float* values, size_t n,
                     uint32_t exclude, std::vector<float>* dot, std::vector<uint32_t>* touched,
                     float* best, size_t k) {
  std::fill(best, best + k, 0.0f);
  touched->clear();
  float* acc = dot->data();
  double norm2 = 0;
  for (size_t i = 0; i < n; ++i) {
    const NeighbourPosting* p = postings + start[rows[i]];
    const NeighbourPosting* end = postings + start[rows[i] + 1];
    if (p == end) continue;
    const float v = values[i];
    norm2 += static_cast<double>(v) * v;
    for (; p < end; ++p) {
      if (acc[p->doc] == 0.0f) touched->push_back(p->doc);
      acc[p->doc] += v * p->value;
    }
  }
  for (uint32_t d : *touched) {
    if (d != exclude) {
      float& b = best[labels[d]];
      b = std::max(b, acc[d]);
    }
    acc[d] = 0.0f;
  }
  return norm2;
}

void TopicModel::AddNeighbourScores(const std::vector<BucketTf>& buckets,
                                    const std::vector<const float*>& rows,
                                    ClassifyScratch* scratch, float* scores) const {
  // First the rows with postings, their values and a prefetch of each
  // posting list (one cache miss each, overlapped), then the sums.
  std::vector<uint32_t>& nn_rows = scratch->neighbour_rows;
  std::vector<float>& nn_values = scratch->neighbour_values;
  nn_rows.clear();
  nn_values.clear();
  for (size_t j = 0; j < buckets.size(); ++j) {
    if (rows[j] == nullptr) continue;
    const uint32_t r = scratch->row_ids[j];
    const uint32_t b = neighbour_start_[r];
    if (b == neighbour_start_[r + 1]) continue;
    __builtin_prefetch(&neighbour_postings_[b]);
    nn_rows.push_back(r);
    nn_values.push_back(buckets[j].tf * rows[j][0]);
  }
  if (nn_rows.empty()) return;
  std::vector<float>& dot = scratch->neighbour_dot;
  if (dot.size() != neighbour_labels_.size()) dot.assign(neighbour_labels_.size(), 0.0f);
  std::vector<float>& best = scratch->neighbour_best;
  best.resize(labels_.size());
  const double norm2 = NeighbourDots(neighbour_start_.data(), neighbour_postings_.data(),
                                     neighbour_labels_.data(), nn_rows.data(), nn_values.data(),
                                     nn_rows.size(), kNoNeighbourDoc, &dot,
                                     &scratch->neighbour_touched, best.data(), best.size());
  // In double: 1 / norm2 could overflow a float for small values.
  for (size_t c = 0; c < best.size(); ++c) {
    scores[c] += static_cast<float>(neighbour_weight_ * (double{best[c]} * best[c] / norm2));
  }
}

void TopicModel::Classify(const text::AnalyzedText& title, const text::AnalyzedText& body,
                          ClassifyScratch* scratch, TopicPrediction* out, int max_labels,
                          float min_score) const {
  DecisionValues(title, body, scratch);
  Softmax(scratch->scores, temperature_, &scratch->probs);
  const std::vector<float>& probs = scratch->probs;
  out->label = ArgMax(scratch->scores);
  out->confidence = probs[out->label];
  out->top.clear();
  out->top.push_back(ScoredTopic{out->label, probs[out->label]});
  const size_t want = static_cast<size_t>(std::max(1, max_labels));
  while (out->top.size() < want) {
    // Next best by probability: K is small, so a scan per label is cheaper
    // than sorting.
    int best = -1;
    for (uint32_t c = 0; c < probs.size(); ++c) {
      bool taken = false;
      for (const ScoredTopic& t : out->top) taken |= t.label == c;
      if (taken || probs[c] < min_score) continue;
      if (best < 0 || probs[c] > probs[best]) best = static_cast<int>(c);
    }
    if (best < 0) break;
    out->top.push_back(ScoredTopic{static_cast<uint32_t>(best), probs[best]});
  }
}

}  // namespace classify
}  // namespace qalam
