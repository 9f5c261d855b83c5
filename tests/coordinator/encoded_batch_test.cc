// EncodedBatch writes exactly the bytes protobuf writes for the same
// BatchRequest, for the whole shard and for any range of it.
#include "coordinator/encoded_batch.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qalam/v1/worker.pb.h"

namespace qalam {
namespace {

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

TEST(EncodedBatch, MatchesProtobufForEveryRange) {
  v1::BatchOptions options;
  options.set_json_results(true);
  options.set_record_stats(true);
  options.set_text_field("body");
  options.mutable_features()->set_summary_sentences(2);
  auto batch = std::make_shared<EncodedBatch>(300, options);
  v1::BatchRequest want;
  want.set_shard(300);
  *want.mutable_options() = options;
  const std::string big(70000, 'x');  // a multi-byte length varint
  struct Rec {
    uint64_t seq, line;
    bool doc;
    std::string id, text;
  } recs[] = {{0, 1, false, "", R"({"text":"a"})"},
              {1, 0, false, "", ""},  // empty json and line 0: proto3 still writes the oneof
              {129, 130, false, "", big},
              {7, 8, true, "f.txt", "نص"},
              {8, 9, true, "", ""}};
  for (const Rec& r : recs) {
    v1::Record* p = want.add_records();
    p->set_seq(r.seq);
    p->set_line(r.line);
    if (r.doc) {
      p->mutable_document()->set_id(r.id);
      p->mutable_document()->set_content(r.text);
      batch->AddDocument(r.seq, r.line, r.id, r.text);
    } else {
      p->set_json(r.text);
      batch->AddJson(r.seq, r.line, r.text);
    }
  }
  ASSERT_EQ(batch->size(), 5);
  EXPECT_EQ(batch->shard(), 300u);
  EXPECT_EQ(batch->seq(2), 129u);
  for (int b = 0; b <= 5; ++b) {
    for (int e = b; e <= 5; ++e) {
      v1::BatchRequest sub;
      sub.set_shard(300);
      *sub.mutable_options() = options;
      for (int i = b; i < e; ++i) *sub.add_records() = want.records(i);
      const std::string got = Bytes(EncodedBatch::Request(batch, b, e));
      EXPECT_EQ(got, sub.SerializeAsString()) << b << ".." << e;
      EXPECT_EQ(batch->RequestBytes(b, e), got.size());
      v1::BatchRequest parsed;
      ASSERT_TRUE(parsed.ParseFromString(got));
      EXPECT_EQ(parsed.records_size(), e - b);
    }
  }
  for (int i = 0; i < 5; ++i) {
    v1::Record r;
    ASSERT_TRUE(batch->DecodeRecord(i, &r));
    EXPECT_EQ(r.SerializeAsString(), want.records(i).SerializeAsString()) << i;
  }
}

TEST(EncodedBatch, TheRequestKeepsTheBatchAlive) {
  grpc::ByteBuffer request;
  {
    auto batch = std::make_shared<EncodedBatch>(1, v1::BatchOptions());
    batch->AddJson(5, 6, R"({"text":"kept"})");
    request = EncodedBatch::Request(batch, 0, 1);
  }  // the last outside reference is gone; the slice still holds one
  v1::BatchRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(Bytes(request)));
  ASSERT_EQ(parsed.records_size(), 1);
  EXPECT_EQ(parsed.records(0).json(), R"({"text":"kept"})");
}

}  // namespace
}  // namespace qalam
