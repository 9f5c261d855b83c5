// EncodedBatch: a qalam.v1.BatchRequest built directly in protobuf wire
// format, record by record, for the coordinator's hot path.
//
// The coordinator passes each input line through untouched, so building a
// Record message per line (an allocation for the message and one for its
// bytes), measuring the request (ByteSizeLong) and serialising it (one more
// copy of every byte) is pure overhead. Here each record is appended once,
// as its encoded bytes, to one buffer per shard; a call sends a range of
// records as two slices (the shard's header and the records) that point
// into that buffer, without copying it. Retrying a part of a shard (the
// dispatcher splits failing shards) is another range of the same buffer.
//
// The bytes are exactly what v1::BatchRequest::SerializeToString gives for
// the same request: shard (1), options (2), then every record (3) with its
// seq (1), payload (json 2 / document 3) and line (4).
//
// Thread-safety: building (Add*) is not thread-safe; once built, the object
// is immutable and its const methods are safe for concurrent use.
#ifndef QALAM_COORDINATOR_ENCODED_BATCH_H_
#define QALAM_COORDINATOR_ENCODED_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "grpcpp/support/byte_buffer.h"
#include "qalam/v1/worker.pb.h"

namespace qalam {

class EncodedBatch {
 public:
  // `expected_bytes`: the records' size the caller expects (a reservation,
  // so that the buffer is not reallocated while it grows).
  EncodedBatch(uint64_t shard, const v1::BatchOptions& options, size_t expected_bytes = 0);
  EncodedBatch(const EncodedBatch&) = delete;
  EncodedBatch& operator=(const EncodedBatch&) = delete;

  // Appends a Record {seq, json, line}: one copy of `json`.
  void AddJson(uint64_t seq, uint64_t line, absl::string_view json);
  // Appends a Record {seq, document {id, content}, line}.
  void AddDocument(uint64_t seq, uint64_t line, absl::string_view id, absl::string_view content);

  uint64_t shard() const { return shard_; }
  int size() const { return static_cast<int>(seqs_.size()); }
  uint64_t seq(int i) const { return seqs_[static_cast<size_t>(i)]; }
  // The encoded size of the request for records [begin, end).
  size_t RequestBytes(int begin, int end) const;

  // Decodes record `i` (the slow path: error messages, tests). False if the
  // bytes do not parse (they always do unless memory is corrupt).
  bool DecodeRecord(int i, v1::Record* out) const;

  // The request for records [begin, end) of `batch`, as gRPC sends it: the
  // header and the records' bytes, which stay in `batch`'s buffer (the
  // ByteBuffer holds a reference to `batch` until gRPC is done with it).
  // REQUIRES: 0 <= begin <= end <= batch->size().
  static grpc::ByteBuffer Request(const std::shared_ptr<const EncodedBatch>& batch, int begin,
                                  int end);

 private:
  void StartRecord(uint64_t seq, size_t payload_bytes);

  const uint64_t shard_;
  std::string header_;              // fields 1 and 2
  std::string records_;             // field 3, repeated
  std::vector<uint64_t> seqs_;      // per record
  std::vector<size_t> offsets_{0};  // record i is records_[offsets_[i], offsets_[i + 1])
};

}  // namespace qalam

#endif  // QALAM_COORDINATOR_ENCODED_BATCH_H_
