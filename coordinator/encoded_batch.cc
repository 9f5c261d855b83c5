#include "coordinator/encoded_batch.h"

#include <utility>

namespace qalam {
namespace {

// Wire-format tags: (field number << 3) | wire type (0 varint, 2 length-
// delimited).
constexpr char kRequestShard = (1 << 3) | 0;
constexpr char kRequestOptions = (2 << 3) | 2;
constexpr char kRequestRecord = (3 << 3) | 2;
constexpr char kRecordSeq = (1 << 3) | 0;
constexpr char kRecordJson = (2 << 3) | 2;
constexpr char kRecordDocument = (3 << 3) | 2;
constexpr char kRecordLine = (4 << 3) | 0;
constexpr char kDocumentId = (1 << 3) | 2;
constexpr char kDocumentContent = (2 << 3) | 2;

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// A field that protobuf would write: proto3 leaves out zero scalars and
// empty bytes.
size_t VarintFieldSize(uint64_t v) { return v == 0 ? 0 : 1 + VarintSize(v); }
size_t BytesFieldSize(size_t n) { return 1 + VarintSize(n) + n; }

void AppendVarintField(char tag, uint64_t v, std::string* out) {
  if (v == 0) return;
  out->push_back(tag);
  AppendVarint(v, out);
}

void AppendBytesField(char tag, absl::string_view bytes, std::string* out) {
  out->push_back(tag);
  AppendVarint(bytes.size(), out);
  out->append(bytes.data(), bytes.size());
}

// Releases the reference to the batch that a records slice holds.
void ReleaseBatch(void* user_data) {
  delete static_cast<std::shared_ptr<const EncodedBatch>*>(user_data);
}

}  // namespace

EncodedBatch::EncodedBatch(uint64_t shard, const v1::BatchOptions& options, size_t expected_bytes)
    : shard_(shard) {
  AppendVarintField(kRequestShard, shard, &header_);
  const std::string opts = options.SerializeAsString();
  if (!opts.empty()) AppendBytesField(kRequestOptions, opts, &header_);
  if (expected_bytes > 0) records_.reserve(expected_bytes + expected_bytes / 8 + 4096);
}

void EncodedBatch::StartRecord(uint64_t seq, size_t payload_bytes) {
  records_.push_back(kRequestRecord);
  AppendVarint(payload_bytes, &records_);
  AppendVarintField(kRecordSeq, seq, &records_);
  seqs_.push_back(seq);
}

void EncodedBatch::AddJson(uint64_t seq, uint64_t line, absl::string_view json) {
  const size_t payload = VarintFieldSize(seq) + BytesFieldSize(json.size()) + VarintFieldSize(line);
  StartRecord(seq, payload);
  AppendBytesField(kRecordJson, json, &records_);
  AppendVarintField(kRecordLine, line, &records_);
  offsets_.push_back(records_.size());
}

void EncodedBatch::AddDocument(uint64_t seq, uint64_t line, absl::string_view id,
                               absl::string_view content) {
  const size_t doc = (id.empty() ? 0 : BytesFieldSize(id.size())) +
                     (content.empty() ? 0 : BytesFieldSize(content.size()));
  const size_t payload = VarintFieldSize(seq) + BytesFieldSize(doc) + VarintFieldSize(line);
  StartRecord(seq, payload);
  records_.push_back(kRecordDocument);
  AppendVarint(doc, &records_);
  if (!id.empty()) AppendBytesField(kDocumentId, id, &records_);
  if (!content.empty()) AppendBytesField(kDocumentContent, content, &records_);
  AppendVarintField(kRecordLine, line, &records_);
  offsets_.push_back(records_.size());
}

size_t EncodedBatch::RequestBytes(int begin, int end) const {
  return header_.size() + offsets_[static_cast<size_t>(end)] - offsets_[static_cast<size_t>(begin)];
}

bool EncodedBatch::DecodeRecord(int i, v1::Record* out) const {
  const size_t begin = offsets_[static_cast<size_t>(i)];
  const size_t end = offsets_[static_cast<size_t>(i) + 1];
  // Skip the field-3 tag and the length varint.
  size_t p = begin + 1;
  while (p < end && (static_cast<unsigned char>(records_[p]) & 0x80) != 0) ++p;
  ++p;
  if (p > end) return false;
  return out->ParseFromArray(records_.data() + p, static_cast<int>(end - p));
}

grpc::ByteBuffer EncodedBatch::Request(const std::shared_ptr<const EncodedBatch>& batch, int begin,
                                       int end) {
  grpc::Slice slices[2] = {
      grpc::Slice(batch->header_),  // a few bytes: copied
      grpc::Slice(),
  };
  const size_t from = batch->offsets_[static_cast<size_t>(begin)];
  const size_t to = batch->offsets_[static_cast<size_t>(end)];
  if (to > from) {
    // gRPC only reads the slice; it is mutable in the signature alone.
    slices[1] = grpc::Slice(const_cast<char*>(batch->records_.data() + from), to - from,
                            &ReleaseBatch, new std::shared_ptr<const EncodedBatch>(batch));
  }
  return grpc::ByteBuffer(slices, to > from ? 2 : 1);
}

}  // namespace qalam
