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
// (score - top) / temperature is never NaN. Trained models are orders of
// magnitude inside them (|w| < 100, temperature in [0.01, 100]).
constexpr float kMaxMagnitude = 1e6f;
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
  return m;
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
    if (!(idf > 0) || !InRange(idf)) {
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

const float* TopicModel::FindRow(uint32_t bucket) const {
  const uint32_t mask = static_cast<uint32_t>(slots_.size() - 1);
  uint32_t i = (bucket * 0x9E3779B1u) >> slot_shift_;
  for (;;) {
    const Slot& s = slots_[i];
    if (s.bucket == bucket) {
      return reinterpret_cast<const float*>(rows_ + static_cast<size_t>(s.row) * stride_ + 1);
    }
    if (s.bucket == kEmptySlot) return nullptr;
    i = (i + 1) & mask;
  }
}

std::string TopicModel::Serialize() const {
  const size_t k = labels_.size();
  std::string out;
  out.reserve(kTopicModelHeaderBytes + description_.size() + 64 * k +
              static_cast<size_t>(n_) * stride_ * 4 + 16);
  out.append(kMagic, 8);
  PutU32(&out, kTopicModelFormatVersion);
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
  if (version != kTopicModelFormatVersion) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": topic model format version ", version,
                                                   "; this build reads version ",
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
  if (row_bytes != size - off) {
    return absl::DataLossError(absl::StrCat(what, ": ", size - off, " bytes of rows, expected ",
                                            row_bytes, " for ", n, " buckets of ", k,
                                            " labels"));
  }
  std::unique_ptr<TopicModel> m(new TopicModel(fo));
  m->labels_ = std::move(labels);
  m->bias_ = std::move(bias);
  m->temperature_ = temperature;
  m->description_ = std::move(description);
  m->n_ = n;
  m->stride_ = k + 2;
  m->image_ = std::move(owner);
  m->rows_ = image + off / 4;
  QALAM_RETURN_IF_ERROR(m->BuildIndex(what));
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
  for (size_t j = 0; j < n; ++j) {
    if (j + kAhead < n) PrefetchSlot(buckets[j + kAhead].bucket);
    const float* row = FindRow(buckets[j].bucket);
    rows[j] = row;
    if (row != nullptr) {
      const char* first = reinterpret_cast<const char*>(row - 1);  // the row's bucket word
      __builtin_prefetch(first);
      __builtin_prefetch(first + row_bytes - 1);
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
